package io.switchboard.api;

import static io.switchboard.api.RestFixtures.assertError;
import static io.switchboard.api.RestFixtures.assertFailure;
import static io.switchboard.api.RestFixtures.assertNextEvent;
import static io.switchboard.api.RestFixtures.assertSuccess;
import static io.switchboard.api.RestFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.data.Event;
import com.pusher.rest.data.Result;
import io.switchboard.api.RestFixtures.Client;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code POST /apps/{id}/batch_events} (pusher-protocol.md §7.2). */
class RestBatchEventsTest extends RestApiTest {

    @Test
    void deliversTenEventsInOrder() {
        Client sub = clients.subscriber("odd", "even");
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(new Event(i % 2 == 0 ? "even" : "odd", "e" + i, Map.of("i", i)));
        }

        assertThat(assertSuccess(rest.trigger(batch))).isEqualTo(json("{}"));

        for (int i = 0; i < 10; i++) {
            JsonNode e = assertNextEvent(sub.ws(), "e" + i, i % 2 == 0 ? "even" : "odd");
            assertThat(json(e.path("data").asText()).path("i").asInt()).isEqualTo(i);
        }
    }

    @Test
    void refusesElevenEventsAndPublishesNone() {
        Client sub = clients.subscriber("c");
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            batch.add(new Event("c", "e" + i, "x"));
        }

        assertFailure(rest.trigger(batch), Result.Status.CLIENT_ERROR, 400);

        assertSuccess(rest.trigger("c", "marker", "m"));
        assertNextEvent(sub.ws(), "marker", "c");
    }

    @Test
    void refusesTheWholeBatchWhenOneEntryIsBadAndPublishesNone() {
        Client sub = clients.subscriber("c");

        assertFailure(
                rest.trigger(List.of(new Event("c", "first", "x"), new Event("bad channel", "second", "x"))),
                Result.Status.CLIENT_ERROR,
                400);
        assertError(http.post("/batch_events", """
                        {"batch":[{"name":"first","channel":"c","data":"x"},
                                  {"channel":"c","data":"no name"}]}""").send(), 400);
        assertError(http.post("/batch_events", """
                        {"batch":[{"name":"first","channel":"c","data":"x"},
                                  {"name":"two channels","channels":["c","d"],"data":"x"}]}""").send(), 400);
        assertError(http.post("/batch_events", """
                        {"batch":[{"name":"first","channel":"c","data":"x"},
                                  {"name":"bad socket","channel":"c","data":"x","socket_id":"nope"}]}""").send(), 400);

        assertSuccess(rest.trigger("c", "marker", "m"));
        assertNextEvent(sub.ws(), "marker", "c");
    }

    @Test
    void refusesMalformedBatches() {
        assertError(http.post("/batch_events", "{\"batch\":").send(), 400);
        assertError(http.post("/batch_events", "{\"batch\":{}}").send(), 400);
        assertError(http.post("/batch_events", "{\"events\":[]}").send(), 400);
        assertError(http.post("/batch_events", "{\"batch\":[\"e\"]}").send(), 400);
        // Found by TriggerBodyFuzzTest: the batch parser stopped reading at the object's end.
        assertError(http.post("/batch_events", "{\"batch\":[]} {\"batch\":[]}").send(), 400);
    }

    @Test
    void answersInfoPerEntryWithEmptyObjectsForEntriesWithout() {
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-2");
        Client lobby = clients.subscriber("lobby");

        JsonNode body = assertSuccess(rest.post("/batch_events", """
                {"batch":[
                  {"name":"e","channel":"presence-room","data":"1","info":"user_count,subscription_count"},
                  {"name":"e","channel":"lobby","data":"2"},
                  {"name":"e","channel":"lobby","data":"3","info":"subscription_count"}]}"""));

        assertThat(body).isEqualTo(json("""
                {"batch":[{"user_count":2,"subscription_count":2},{},{"subscription_count":1}]}"""));
        assertNextEvent(lobby.ws(), "e", "lobby");
        assertNextEvent(lobby.ws(), "e", "lobby");
    }
}
