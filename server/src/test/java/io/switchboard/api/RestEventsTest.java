package io.switchboard.api;

import static io.switchboard.api.RestFixtures.assertError;
import static io.switchboard.api.RestFixtures.assertFailure;
import static io.switchboard.api.RestFixtures.assertNextEvent;
import static io.switchboard.api.RestFixtures.assertOk;
import static io.switchboard.api.RestFixtures.assertSuccess;
import static io.switchboard.api.RestFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.data.Result;
import io.switchboard.api.RestFixtures.Client;
import io.switchboard.testing.SignedHttp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code POST /apps/{id}/events} (pusher-protocol.md §7.2) through the official server SDK. */
class RestEventsTest extends RestApiTest {

    @Test
    void deliversAnEventToSubscribersOfTheChannel() {
        Client sub = clients.subscriber("news");
        JsonNode body = assertSuccess(rest.trigger("news", "breaking", Map.of("headline", "hello")));

        assertThat(body).isEqualTo(json("{}"));
        JsonNode event = assertNextEvent(sub.ws(), "breaking", "news");
        assertThat(event.get("data").isTextual()).as("data is a JSON string").isTrue();
        assertThat(json(event.get("data").asText())).isEqualTo(json("{\"headline\":\"hello\"}"));
    }

    @Test
    void deliversToSubscribersOfEachListedChannelOncePerChannel() {
        Client onA = clients.subscriber("a");
        Client onB = clients.subscriber("b");
        Client onBoth = clients.subscriber("a", "b");
        assertSuccess(rest.trigger(List.of("a", "b", "c"), "update", "x"));

        assertNextEvent(onA.ws(), "update", "a");
        assertNextEvent(onB.ws(), "update", "b");
        Set<String> both = Set.of(
                onBoth.ws().nextEvent().path("channel").asText(),
                onBoth.ws().nextEvent().path("channel").asText());
        assertThat(both).containsExactlyInAnyOrder("a", "b");

        // Nothing else was queued: the next event each one sees is this marker.
        assertSuccess(rest.trigger(List.of("a", "b"), "marker", "m"));
        assertNextEvent(onA.ws(), "marker", "a");
        assertNextEvent(onB.ws(), "marker", "b");
        assertThat(onBoth.ws().nextEvent().path("event").asText()).isEqualTo("marker");
    }

    @Test
    void acceptsTheSingleChannelForm() {
        Client sub = clients.subscriber("solo");
        assertSuccess(rest.post("/events", "{\"name\":\"e\",\"channel\":\"solo\",\"data\":\"hi\"}"));

        JsonNode event = assertNextEvent(sub.ws(), "e", "solo");
        assertThat(event.path("data").asText()).isEqualTo("hi");
    }

    @Test
    void excludesTheGivenSocketIdFromDelivery() {
        Client excluded = clients.subscriber("room");
        Client other = clients.subscriber("room");
        assertSuccess(rest.trigger("room", "first", "1", excluded.socketId()));
        assertSuccess(rest.trigger("room", "second", "2"));

        assertNextEvent(other.ws(), "first", "room");
        assertNextEvent(other.ws(), "second", "room");
        assertNextEvent(excluded.ws(), "second", "room");
    }

    @Test
    void answersInfoWithCountsPerChannelAndUserCountOnlyOnPresence() {
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-2");
        Client lobby = clients.subscriber("lobby");
        JsonNode body = assertSuccess(rest.post("/events", """
                {"name":"e","channels":["presence-room","lobby","empty"],"data":"{}",
                 "info":"subscription_count,user_count"}"""));

        assertThat(body).isEqualTo(json("""
                {"channels":{
                  "presence-room":{"user_count":2,"subscription_count":3},
                  "lobby":{"subscription_count":1},
                  "empty":{"subscription_count":0}}}"""));
        assertNextEvent(lobby.ws(), "e", "lobby");
    }

    @Test
    void relaysNonStringDataAsItsJsonText() {
        Client sub = clients.subscriber("raw");
        assertSuccess(rest.post("/events", "{\"name\":\"e\",\"channels\":[\"raw\"],\"data\":{\"a\":[1,2]}}"));
        assertSuccess(rest.post("/events", "{\"name\":\"n\",\"channels\":[\"raw\"],\"data\":42}"));

        JsonNode object = assertNextEvent(sub.ws(), "e", "raw");
        assertThat(object.get("data").isTextual()).isTrue();
        assertThat(json(object.get("data").asText())).isEqualTo(json("{\"a\":[1,2]}"));
        JsonNode number = assertNextEvent(sub.ws(), "n", "raw");
        assertThat(number.get("data").asText()).isEqualTo("42");
    }

    @Test
    void refusesEventNamesLongerThan200Characters() {
        Client sub = clients.subscriber("names");
        assertFailure(rest.trigger("names", "n".repeat(201), "x"), Result.Status.CLIENT_ERROR, 400);
        assertSuccess(rest.trigger("names", "n".repeat(200), "x"));

        assertThat(sub.ws().nextEvent().path("event").asText()).hasSize(200);
    }

    @Test
    void refusesDataOver10KiBWith413() {
        // Gson writes {"text":"..."}: 11 bytes around the text.
        Map<String, String> atLimit = Map.of("text", "x".repeat(10 * 1024 - 11));
        Map<String, String> overLimit = Map.of("text", "x".repeat(10 * 1024 - 10));
        Client sub = clients.subscriber("big");
        assertFailure(rest.trigger("big", "over", overLimit), Result.Status.UNKNOWN_ERROR, 413);
        assertSuccess(rest.trigger("big", "at", atLimit));

        JsonNode event = assertNextEvent(sub.ws(), "at", "big");
        assertThat(event.path("data").asText()).hasSize(10 * 1024);
        String body = "{\"name\":\"e\",\"channel\":\"big\",\"data\":\"" + "y".repeat(10 * 1024 + 1) + "\"}";
        assertError(http.post("/events", body).send(), 413);
    }

    @Test
    void refusesMoreThan100Channels() {
        List<String> channels = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            channels.add("\"ch-" + i + "\"");
        }
        Client sub = clients.subscriber("ch-0");
        String tooMany = "{\"name\":\"over\",\"channels\":[" + String.join(",", channels) + "],\"data\":\"x\"}";
        assertError(http.post("/events", tooMany).send(), 400);
        String hundred =
                "{\"name\":\"at\",\"channels\":[" + String.join(",", channels.subList(0, 100)) + "],\"data\":\"x\"}";
        assertThat(assertOk(http.post("/events", hundred).send())).isEqualTo(json("{}"));

        assertNextEvent(sub.ws(), "at", "ch-0");
    }

    @Test
    void refusesInvalidChannelNames() {
        Client sub = clients.subscriber("fine");
        for (String bad : List.of("has space", "star*", "#not-server-to-user", "", "c".repeat(201))) {
            String body = "{\"name\":\"e\",\"channels\":[\"fine\",\"" + bad + "\"],\"data\":\"x\"}";
            assertThat(assertError(http.post("/events", body).send(), 400))
                    .as("error for '%s'", bad)
                    .containsIgnoringCase("channel");
        }
        assertSuccess(rest.trigger("fine", "marker", "m"));

        assertNextEvent(sub.ws(), "marker", "fine");
    }

    @Test
    void refusesAnEncryptedChannelAmongSeveral() {
        Client sub = clients.subscriber("plain");
        String body = "{\"name\":\"e\",\"channels\":[\"plain\",\"private-encrypted-x\"],\"data\":\"x\"}";
        assertFailure(rest.post("/events", body), Result.Status.CLIENT_ERROR, 400);
        assertSuccess(
                rest.post("/events", "{\"name\":\"alone\",\"channels\":[\"private-encrypted-x\"],\"data\":\"x\"}"));
        assertSuccess(rest.trigger("plain", "marker", "m"));

        assertNextEvent(sub.ws(), "marker", "plain");
    }

    @Test
    void refusesAnInvalidSocketId() {
        for (String socketId : List.of("abc", "1.", ".1", "1.2.3", "1-2")) {
            String body = "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"x\",\"socket_id\":\"" + socketId + "\"}";
            assertThat(assertError(http.post("/events", body).send(), 400))
                    .as("error for '%s'", socketId)
                    .contains("socket_id");
        }
    }

    @Test
    void refusesMalformedJson() {
        for (String body : List.of(
                "{\"name\":\"e\",",
                "[1,2]",
                "not json",
                "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"x\"} trailing")) {
            assertError(http.post("/events", body).send(), 400);
            assertFailure(rest.post("/events", body), Result.Status.CLIENT_ERROR, 400);
        }
    }

    @Test
    void refusesBodiesWithoutNameOrChannels() {
        assertError(http.post("/events", "{\"channel\":\"c\",\"data\":\"x\"}").send(), 400);
        assertError(http.post("/events", "{\"name\":\"e\",\"data\":\"x\"}").send(), 400);
        assertError(http.post("/events", "{\"name\":\"e\",\"channel\":\"c\"}").send(), 400);
        assertError(
                http.post("/events", "{\"name\":\"e\",\"channels\":\"c\",\"data\":\"x\"}")
                        .send(),
                400);
    }

    @Test
    void answersSuccessWith200AndJsonContentType() {
        SignedHttp.Reply reply = http.post("/events", "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"x\"}")
                .send();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo("application/json");
        assertThat(reply.json()).isEqualTo(json("{}"));
    }
}
