package io.switchboard.api;

import static io.switchboard.api.RestFixtures.assertError;
import static io.switchboard.api.RestFixtures.assertFailure;
import static io.switchboard.api.RestFixtures.assertSuccess;
import static io.switchboard.api.RestFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.data.Result;
import io.switchboard.api.RestFixtures.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /apps/{id}/channels}, {@code /channels/{name}} and {@code /channels/{name}/users}
 * (pusher-protocol.md §7.2).
 */
class RestChannelsTest extends RestApiTest {

    // --- GET /channels ----------------------------------------------------------------------------

    @Test
    void listsOnlyOccupiedChannels() {
        clients.subscriber("alpha", "beta");
        clients.subscriber("beta");
        assertSuccess(rest.trigger("nobody-listens", "e", "x"));
        assertSuccess(rest.trigger("cache-unwatched", "e", "x"));

        assertThat(assertSuccess(rest.get("/channels"))).isEqualTo(json("""
                {"channels":{"alpha":{},"beta":{}}}"""));
    }

    @Test
    void listsNoChannelsWhenNoneIsOccupied() {
        assertThat(assertSuccess(rest.get("/channels"))).isEqualTo(json("{\"channels\":{}}"));
    }

    @Test
    void filtersByPrefix() {
        clients.subscriber("alpha", "alps", "beta");
        clients.presenceMember("presence-room", "user-1");

        assertThat(assertSuccess(rest.get("/channels", Map.of("filter_by_prefix", "al"))))
                .isEqualTo(json("{\"channels\":{\"alpha\":{},\"alps\":{}}}"));
        assertThat(assertSuccess(rest.get("/channels", Map.of("filter_by_prefix", "presence-"))))
                .isEqualTo(json("{\"channels\":{\"presence-room\":{}}}"));
        assertThat(assertSuccess(rest.get("/channels", Map.of("filter_by_prefix", "gamma"))))
                .isEqualTo(json("{\"channels\":{}}"));
    }

    @Test
    void countsDistinctUsersOfPresenceChannels() {
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-2");
        clients.presenceMember("presence-other", "user-3");
        clients.subscriber("public");

        JsonNode body =
                assertSuccess(rest.get("/channels", Map.of("filter_by_prefix", "presence-", "info", "user_count")));

        assertThat(body).isEqualTo(json("""
                {"channels":{"presence-room":{"user_count":2},"presence-other":{"user_count":1}}}"""));
    }

    @Test
    void refusesUserCountWithoutAPresencePrefix() {
        clients.subscriber("public");

        assertFailure(rest.get("/channels", Map.of("info", "user_count")), Result.Status.CLIENT_ERROR, 400);
        assertFailure(
                rest.get("/channels", Map.of("info", "user_count", "filter_by_prefix", "private-")),
                Result.Status.CLIENT_ERROR,
                400);
        assertError(http.get("/channels").param("info", "user_count").send(), 400);
    }

    @Test
    void forgetsAChannelOnceItsLastSubscriberLeaves() {
        Client unsubscribes = clients.subscriber("alpha", "beta");
        Client disconnects = clients.subscriber("alpha");

        unsubscribes.ws().send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"beta\"}}");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(assertSuccess(rest.get("/channels")))
                        .isEqualTo(json("{\"channels\":{\"alpha\":{}}}")));

        unsubscribes.close();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(
                                assertSuccess(rest.get("/channels/alpha", Map.of("info", "subscription_count"))))
                        .isEqualTo(json("{\"occupied\":true,\"subscription_count\":1}")));
        disconnects.close();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(assertSuccess(rest.get("/channels"))).isEqualTo(json("{\"channels\":{}}")));
        assertThat(assertSuccess(rest.get("/channels/alpha"))).isEqualTo(json("{\"occupied\":false}"));
    }

    // --- GET /channels/{name} ---------------------------------------------------------------------

    @Test
    void reportsWhetherAChannelIsOccupiedAndItsSubscriptionCount() {
        clients.subscriber("alpha");
        clients.subscriber("alpha");

        assertThat(assertSuccess(rest.get("/channels/alpha"))).isEqualTo(json("{\"occupied\":true}"));
        assertThat(assertSuccess(rest.get("/channels/alpha", Map.of("info", "subscription_count"))))
                .isEqualTo(json("{\"occupied\":true,\"subscription_count\":2}"));
        assertThat(assertSuccess(rest.get("/channels/empty"))).isEqualTo(json("{\"occupied\":false}"));
        assertThat(assertSuccess(rest.get("/channels/empty", Map.of("info", "subscription_count"))))
                .isEqualTo(json("{\"occupied\":false,\"subscription_count\":0}"));
    }

    @Test
    void reportsUserCountOnPresenceChannels() {
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-2");

        assertThat(assertSuccess(rest.get("/channels/presence-room", Map.of("info", "user_count,subscription_count"))))
                .isEqualTo(json("{\"occupied\":true,\"user_count\":2,\"subscription_count\":3}"));
    }

    @Test
    void refusesUserCountOnChannelsThatAreNotPresence() {
        clients.subscriber("alpha");

        assertFailure(rest.get("/channels/alpha", Map.of("info", "user_count")), Result.Status.CLIENT_ERROR, 400);
        assertError(http.get("/channels/private-x").param("info", "user_count").send(), 400);
    }

    @Test
    void refusesAnInvalidChannelName() {
        assertError(http.get("/channels/has%20space").send(), 400);
        assertError(http.get("/channels/" + "c".repeat(201)).send(), 400);
    }

    @Test
    void returnsTheCachedEventOfACacheChannel() {
        assertSuccess(rest.trigger("cache-news", "headline", Map.of("text", "first")));
        assertSuccess(rest.trigger("cache-news", "headline", Map.of("text", "latest")));

        JsonNode body = assertSuccess(rest.get("/channels/cache-news", Map.of("info", "cache")));

        assertThat(body.path("occupied").asBoolean(true)).isFalse();
        JsonNode cached = body.path("cache");
        assertThat(cached.path("event").asText()).isEqualTo("headline");
        assertThat(cached.path("channel").asText()).isEqualTo("cache-news");
        assertThat(json(cached.path("data").asText())).isEqualTo(json("{\"text\":\"latest\"}"));
        assertFailure(rest.get("/channels/news", Map.of("info", "cache")), Result.Status.CLIENT_ERROR, 400);
    }

    // --- GET /channels/{name}/users ---------------------------------------------------------------

    @Test
    void listsEachPresenceUserOnce() {
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-1");
        clients.presenceMember("presence-room", "user-2");
        clients.presenceMember("presence-other", "user-3");

        JsonNode users =
                assertSuccess(rest.get("/channels/presence-room/users")).path("users");

        List<JsonNode> entries = new ArrayList<>();
        users.forEach(entries::add);
        assertThat(entries).containsExactlyInAnyOrder(json("{\"id\":\"user-1\"}"), json("{\"id\":\"user-2\"}"));
        assertThat(assertSuccess(rest.get("/channels/presence-empty/users"))).isEqualTo(json("{\"users\":[]}"));
    }

    @Test
    void refusesUsersOfChannelsThatAreNotPresence() {
        clients.subscriber("alpha");

        assertFailure(rest.get("/channels/alpha/users"), Result.Status.CLIENT_ERROR, 400);
        assertError(http.get("/channels/private-alpha/users").send(), 400);
    }
}
