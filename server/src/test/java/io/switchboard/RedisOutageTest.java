package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.NodeClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stops and comes back empty on the same port while two nodes run: the nodes report not
 * ready, keep their clients, and when Redis answers again they subscribe again and put their
 * presence members, counts and connections back, without restarting.
 */
class RedisOutageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.app("a");
    private final App quota = TestApps.withLimits(TestApps.app("q"), l -> {
        l.maxConnections = 2;
        return l;
    });
    private final TestRedis redis = TestRedis.standalone();
    private final BrokerSettings broker = BrokerSettings.redis(redis.settings());
    private final TestServer a = TestServer.start(broker, app, quota);
    private final TestServer b = TestServer.start(broker, app, quota);
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        a.close();
        b.close();
        redis.close();
    }

    @Test
    void nodesReportNotReadyThenResumeAndRebuildStateWhenRedisReturnsEmpty() throws Exception {
        NodeClient alice = open(NodeClient.connect(a, app, "alice"));
        alice.subscribe("news").subscribePresence("presence-room");
        NodeClient bob = open(NodeClient.connect(b, app, "bob"));
        bob.subscribe("news").subscribePresence("presence-room");
        alice.awaitNames("presence-room", "member_added:bob");
        open(a.raw(quota)).established();
        open(b.raw(quota)).established();
        assertThat(a.httpStatus("/ready")).isEqualTo(200);
        assertThat(b.httpStatus("/ready")).isEqualTo(200);

        redis.stop();

        await().atMost(NodeClient.WAIT).until(() -> a.httpStatus("/ready") == 503 && b.httpStatus("/ready") == 503);
        // Without Redis an event still reaches the publishing node's own subscribers.
        assertThat(a.rest(app).trigger("news", "during-outage", Map.of()).getHttpStatus())
                .isEqualTo(200);
        alice.awaitNames("news", "during-outage");
        try (RawWebSocket late = a.raw(app)) {
            JsonNode refused = subscribePresence(late, "presence-room", "carol");
            assertThat(refused.path("event").asText()).isEqualTo("pusher:subscription_error");
            assertThat(RawWebSocket.data(refused).path("status").asInt())
                    .as("unavailable, not full: %s", refused)
                    .isEqualTo(503);
        }

        redis.restart();

        await().atMost(NodeClient.WAIT).until(() -> a.httpStatus("/ready") == 200 && b.httpStatus("/ready") == 200);
        await().atMost(NodeClient.WAIT)
                .until(() -> userIds(b, "presence-room").size() == 2 && subscriptionCount(a, "news") == 2);
        assertThat(userIds(a, "presence-room")).containsExactlyInAnyOrder("alice", "bob");
        assertThat(subscriptionCount(b, "presence-room")).isEqualTo(2);
        await().atMost(NodeClient.WAIT).until(() -> refusedOverQuota(a));

        Result after = a.rest(app).trigger(List.of("news", "presence-room"), "after", Map.of());
        assertThat(after.getHttpStatus()).isEqualTo(200);
        alice.awaitNames("news", "during-outage", "after");
        bob.awaitNames("news", "after");
        alice.awaitNames("presence-room", "member_added:bob", "after");
        bob.awaitNames("presence-room", "after");
    }

    private <T extends AutoCloseable> T open(T client) {
        open.add(client);
        return client;
    }

    /** Subscribes as {@code userId}; returns the success or the subscription error. */
    private JsonNode subscribePresence(RawWebSocket ws, String channel, String userId) {
        String socketId = ws.established();
        String channelData = "{\"user_id\":\"" + userId + "\"}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), socketId + ":" + channel + ":" + channelData);
        ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\"" + auth
                + "\",\"channel_data\":" + JSON.valueToTree(channelData) + "}}");
        while (true) {
            JsonNode event = ws.nextEvent();
            String name = event.path("event").asText();
            if (name.equals("pusher:subscription_error") || name.equals("pusher_internal:subscription_succeeded")) {
                return event;
            }
        }
    }

    /** Whether a new connection of the quota app is refused (both slots counted again). */
    private boolean refusedOverQuota(TestServer node) {
        try (RawWebSocket ws = node.raw(quota)) {
            JsonNode first = ws.nextEvent();
            return "pusher:error".equals(first.path("event").asText())
                    && RawWebSocket.data(first).path("code").asInt() == 4004;
        }
    }

    private JsonNode get(TestServer node, String path, Map<String, String> params) {
        Result result = node.rest(app).get(path, params);
        assertThat(result.getHttpStatus()).as(result.getMessage()).isEqualTo(200);
        try {
            return JSON.readTree(result.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int subscriptionCount(TestServer node, String channel) {
        return get(node, "/channels/" + channel, Map.of("info", "subscription_count"))
                .path("subscription_count")
                .asInt();
    }

    private List<String> userIds(TestServer node, String channel) {
        List<String> ids = new ArrayList<>();
        for (JsonNode user :
                get(node, "/channels/" + channel + "/users", Map.of()).path("users")) {
            ids.add(user.path("id").asText());
        }
        return ids;
    }
}
