package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.RedisSettings;
import io.switchboard.testing.LogCapture;
import io.switchboard.testing.NodeClient;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawPusher;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
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
 * Redis stops and comes back empty on the same port, or freezes and resumes with its data, while two
 * nodes run: the nodes report not ready, keep their clients, and when Redis answers again they
 * subscribe again and put their presence members, counts and connections back, without restarting.
 * Members who left meanwhile are announced once; nothing a node gave up on reaches anyone later.
 */
class RedisOutageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.app("a");
    private final App quota = TestApps.withLimits(TestApps.app("q"), l -> {
        l.maxConnections = 2;
        return l;
    });
    private final TestRedis redis = TestRedis.standalone();
    private final BrokerSettings broker = BrokerSettings.redis(withCommandTimeout(redis.settings(), 1500));
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
        try (RawWebSocket late = RawPusher.connected(a.port(), app)) {
            JsonNode refused = RawPusher.subscribePresence(late, app, "presence-room", "carol");
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

    @Test
    void whileRedisIsDownHealthStaysUpOtherSubscriptionsSucceedCachesAreEmptyAndChannelQueriesFail() {
        assertThat(a.rest(app).trigger("cache-news", "before", Map.of()).getHttpStatus())
                .isEqualTo(200);
        await().atMost(NodeClient.WAIT).until(() -> "before".equals(cached(a, "cache-news")));
        LogCapture logs = open(LogCapture.of("switchboard.broker"));

        redis.stop();

        await().atMost(NodeClient.WAIT).until(() -> a.httpStatus("/ready") == 503 && b.httpStatus("/ready") == 503);
        assertThat(a.httpStatus("/health")).as("the process is fine").isEqualTo(200);
        assertThat(b.httpStatus("/health")).isEqualTo(200);
        try (RawClient client = RawClient.connect(a, app)) {
            client.subscribe("fresh");
            client.subscribe("private-fresh");
        }
        assertThat(cached(a, "cache-news")).as("caches behave as empty").isEqualTo("cache_miss");
        for (String path : List.of("/channels", "/channels/news", "/channels/presence-room/users")) {
            assertThat(a.rest(app).get(path, Map.of()).getHttpStatus())
                    .as("GET %s", path)
                    .isEqualTo(500);
        }
        for (int i = 0; i < 3; i++) {
            // Admitted without checking max_connections (2): established, not refused with 4004.
            open(a.raw(quota)).established();
        }

        redis.restart();
        await().atMost(NodeClient.WAIT)
                .until(() -> logs.lines().stream()
                                .filter(l -> l.contains("answers again"))
                                .count()
                        == 2);
        assertThat(logs.lines())
                .as("the outage is logged once per node when it starts and once when it ends")
                .filteredOn(l -> l.contains("is unreachable") || l.contains("answers again"))
                .hasSize(4);
    }

    @Test
    void membersWhoLeaveWhileRedisIsDownAreAnnouncedOnceWhenItComesBackEmpty() {
        RawWebSocket alice = open(RawPusher.signedIn(a.port(), app, "alice", "[\"bob\",\"erin\"]"));
        assertThat(RawPusher.eventsUntil(alice, "pusher_internal:watchlist_events"))
                .containsExactly("offline:bob", "offline:erin");
        RawPusher.joinPresence(alice, app, "presence-room", "alice");
        alice.subscribe("news");
        RawWebSocket carl = open(RawPusher.connected(b.port(), app));
        RawPusher.joinPresence(carl, app, "presence-room", "carl");
        carl.subscribe("news");
        RawWebSocket erin = open(RawPusher.signedIn(a.port(), app, "erin", "[]"));
        RawPusher.joinPresence(erin, app, "presence-room", "erin");
        RawWebSocket bob = open(RawPusher.signedIn(b.port(), app, "bob", "[]"));
        RawPusher.joinPresence(bob, app, "presence-room", "bob");
        assertThat(RawPusher.eventsUntilSeen(alice, "member_added:bob"))
                .containsExactlyInAnyOrder(
                        "member_added:carl", "online:erin", "member_added:erin", "online:bob", "member_added:bob");
        assertThat(RawPusher.eventsUntilSeen(carl, "member_added:bob"))
                .containsExactly("member_added:erin", "member_added:bob");

        redis.stop();
        await().atMost(NodeClient.WAIT).until(() -> a.httpStatus("/ready") == 503 && b.httpStatus("/ready") == 503);
        assertThat(a.rest(app).trigger("news", "during-outage", Map.of()).getHttpStatus())
                .isEqualTo(200);
        assertThat(RawPusher.eventsUntil(alice, "during-outage")).containsExactly("during-outage");
        erin.close();
        bob.close();
        await().atMost(NodeClient.WAIT)
                .until(() -> a.server().connections().count(app.id()) == 1
                        && b.server().connections().count(app.id()) == 1);
        redis.restart();

        await().atMost(NodeClient.WAIT).until(() -> a.httpStatus("/ready") == 200 && b.httpStatus("/ready") == 200);
        List<String> toAlice = RawPusher.eventsUntilSeen(
                alice, "member_removed:erin", "member_removed:bob", "offline:erin", "offline:bob");
        List<String> toCarl = RawPusher.eventsUntilSeen(carl, "member_removed:erin", "member_removed:bob");
        assertThat(a.rest(app).trigger("presence-room", "after", Map.of()).getHttpStatus())
                .isEqualTo(200);
        toAlice.addAll(RawPusher.eventsUntil(alice, "after"));
        toCarl.addAll(RawPusher.eventsUntil(carl, "after"));
        assertThat(toAlice)
                .as("each departure once, the outage's event not again")
                .containsExactlyInAnyOrder(
                        "member_removed:erin", "member_removed:bob", "offline:erin", "offline:bob", "after")
                .endsWith("after");
        assertThat(toCarl)
                .containsExactlyInAnyOrder("member_removed:erin", "member_removed:bob", "after")
                .endsWith("after");
        assertThat(userIds(b, "presence-room")).containsExactlyInAnyOrder("alice", "carl");
    }

    @Test
    void aFrozenRedisThatResumesRunsNothingItsNodesGaveUpOn() {
        RawWebSocket alice = open(RawPusher.signedIn(a.port(), app, "alice", "[\"bob\"]"));
        assertThat(RawPusher.eventsUntil(alice, "pusher_internal:watchlist_events"))
                .containsExactly("offline:bob");
        RawPusher.joinPresence(alice, app, "presence-room", "alice");
        alice.subscribe("news");
        RawWebSocket carl = open(RawPusher.connected(b.port(), app));
        RawPusher.joinPresence(carl, app, "presence-room", "carl");
        carl.subscribe("news");
        RawWebSocket bob = open(RawPusher.signedIn(b.port(), app, "bob", "[]"));
        RawPusher.joinPresence(bob, app, "presence-room", "bob");
        try (RawWebSocket dave = RawPusher.signedIn(b.port(), app, "dave", "[]")) {
            // Someone leaves first, so Redis has every script cached when it freezes.
            RawPusher.joinPresence(dave, app, "presence-room", "dave");
        }
        assertThat(RawPusher.eventsUntilSeen(alice, "member_removed:dave"))
                .containsExactlyInAnyOrder(
                        "member_added:carl",
                        "online:bob",
                        "member_added:bob",
                        "member_added:dave",
                        "member_removed:dave");
        assertThat(RawPusher.eventsUntilSeen(carl, "member_removed:dave"))
                .containsExactly("member_added:bob", "member_added:dave", "member_removed:dave");

        assertThat(a.rest(app).trigger("cache-news", "before", Map.of()).getHttpStatus())
                .isEqualTo(200);
        await().atMost(NodeClient.WAIT).until(() -> "before".equals(cached(b, "cache-news")));

        redis.freeze();
        bob.close();
        await().atMost(NodeClient.WAIT).until(() -> b.server().connections().count(app.id()) == 1);
        // Redis does not answer: the event reaches A's subscribers only, the join is refused.
        assertThat(a.rest(app)
                        .trigger(List.of("news", "cache-news"), "during-freeze", Map.of())
                        .getHttpStatus())
                .isEqualTo(200);
        assertThat(RawPusher.eventsUntil(alice, "during-freeze")).containsExactly("during-freeze");
        try (RawWebSocket carol = RawPusher.connected(a.port(), app)) {
            JsonNode refused = RawPusher.subscribePresence(carol, app, "presence-room", "carol");
            assertThat(RawWebSocket.data(refused).path("status").asInt())
                    .as("%s", refused)
                    .isEqualTo(503);
        }
        redis.resume();

        await().atMost(NodeClient.WAIT).until(() -> a.httpStatus("/ready") == 200 && b.httpStatus("/ready") == 200);
        List<String> toAlice = RawPusher.eventsUntilSeen(alice, "member_removed:bob", "offline:bob");
        List<String> toCarl = RawPusher.eventsUntilSeen(carl, "member_removed:bob");
        assertThat(a.rest(app).trigger("presence-room", "after", Map.of()).getHttpStatus())
                .isEqualTo(200);
        toAlice.addAll(RawPusher.eventsUntil(alice, "after"));
        toCarl.addAll(RawPusher.eventsUntil(carl, "after"));
        assertThat(toAlice)
                .as("bob's departure once; neither the event again nor the refused carol")
                .containsExactlyInAnyOrder("member_removed:bob", "offline:bob", "after")
                .endsWith("after");
        assertThat(toCarl).containsExactly("member_removed:bob", "after");
        assertThat(userIds(a, "presence-room")).containsExactlyInAnyOrder("alice", "carl");
        assertThat(cached(b, "cache-news"))
                .as("the cache keeps the last event Redis took")
                .isEqualTo("before");
    }

    /** The event a new subscriber to a cache channel on {@code node} is given, or "cache_miss". */
    private String cached(TestServer node, String channel) {
        try (RawWebSocket ws = RawPusher.connected(node.port(), app)) {
            ws.subscribe(channel);
            String event = ws.nextEvent().path("event").asText();
            return event.equals("pusher:cache_miss") ? "cache_miss" : event;
        }
    }

    private static RedisSettings withCommandTimeout(RedisSettings s, int ms) {
        return new RedisSettings(
                s.url(), s.clusterNodes(), s.keyPrefix(), s.heartbeatIntervalMs(), s.nodeTimeoutMs(), ms);
    }

    private <T extends AutoCloseable> T open(T client) {
        open.add(client);
        return client;
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
