package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pusher.client.channel.PrivateChannel;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.NodeClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three servers on one Redis act as one: official clients spread over the nodes see what they
 * would see on a single server. Each test uses its own channels; the servers are shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusteredServersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.app("a");
    private final App quota = TestApps.withLimits(TestApps.app("q"), l -> {
        l.maxConnections = 2;
        return l;
    });
    private TestRedis redis;
    private TestServer a;
    private TestServer b;
    private TestServer c;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    void startCluster() {
        redis = TestRedis.standalone();
        BrokerSettings broker = BrokerSettings.redis(redis.settings());
        a = TestServer.start(broker, app, quota);
        b = TestServer.start(broker, app, quota);
        c = TestServer.start(broker, app, quota);
    }

    @AfterAll
    void stopCluster() {
        for (TestServer s : new TestServer[] {a, b, c}) {
            if (s != null) {
                s.close();
            }
        }
        redis.close();
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        clients.clear();
    }

    private <T extends AutoCloseable> T open(T client) {
        clients.add(client);
        return client;
    }

    @Test
    void eventsTriggeredOnOneNodeReachSubscribersOnEveryNodeOnce() throws Exception {
        NodeClient onB = open(NodeClient.connect(b, app)).subscribe("news");
        NodeClient onC = open(NodeClient.connect(c, app)).subscribe("news");
        NodeClient alsoOnC = open(NodeClient.connect(c, app)).subscribe("news");

        trigger(a, "news", "first", null);
        trigger(a, "news", "second", null);

        onB.awaitNames("news", "first", "second");
        onC.awaitNames("news", "first", "second");
        alsoOnC.awaitNames("news", "first", "second");
    }

    @Test
    void socketIdExclusionWorksAcrossNodes() throws Exception {
        NodeClient sender = open(NodeClient.connect(b, app)).subscribe("excl");
        NodeClient other = open(NodeClient.connect(c, app)).subscribe("excl");

        trigger(a, "excl", "not-for-sender", sender.socketId());
        trigger(a, "excl", "for-all", null);

        other.awaitNames("excl", "not-for-sender", "for-all");
        sender.awaitNames("excl", "for-all");
    }

    @Test
    void presenceMembersComeAndGoOnceAcrossNodes() throws Exception {
        NodeClient observer = open(NodeClient.connect(c, app, "watcher")).subscribePresence("presence-lobby");
        NodeClient first = NodeClient.connect(a, app, "alice").subscribePresence("presence-lobby");
        observer.awaitNames("presence-lobby", "member_added:alice");
        NodeClient second = NodeClient.connect(b, app, "alice").subscribePresence("presence-lobby");
        await().atMost(NodeClient.WAIT).until(() -> subscriptionCount(a, "presence-lobby") == 3);

        first.close();
        await().atMost(NodeClient.WAIT).until(() -> subscriptionCount(c, "presence-lobby") == 2);
        assertThat(userIds(b, "presence-lobby")).containsExactlyInAnyOrder("watcher", "alice");

        second.close();
        observer.awaitNames("presence-lobby", "member_added:alice", "member_removed:alice");
        assertThat(userIds(a, "presence-lobby")).containsExactly("watcher");
        trigger(b, "presence-lobby", "after", null);
        observer.awaitNames("presence-lobby", "member_added:alice", "member_removed:alice", "after");
    }

    @Test
    void restQueriesAnswerForTheWholeClusterOnEveryNode() throws Exception {
        open(NodeClient.connect(a, app)).subscribe("stats");
        open(NodeClient.connect(b, app)).subscribe("stats");
        open(NodeClient.connect(b, app, "u1")).subscribePresence("presence-stats");
        open(NodeClient.connect(c, app, "u2")).subscribePresence("presence-stats");

        for (TestServer node : List.of(a, b, c)) {
            await().atMost(NodeClient.WAIT).until(() -> subscriptionCount(node, "stats") == 2);
            JsonNode channel = get(node, "/channels/presence-stats", Map.of("info", "user_count,subscription_count"));
            assertThat(channel.path("occupied").asBoolean()).isTrue();
            assertThat(channel.path("user_count").asInt()).isEqualTo(2);
            assertThat(channel.path("subscription_count").asInt()).isEqualTo(2);
            JsonNode list = get(node, "/channels", Map.of("filter_by_prefix", "presence-stats", "info", "user_count"));
            assertThat(list.path("channels")
                            .path("presence-stats")
                            .path("user_count")
                            .asInt())
                    .isEqualTo(2);
            assertThat(userIds(node, "presence-stats")).containsExactlyInAnyOrder("u1", "u2");
        }
    }

    @Test
    void clientEventsReachMembersOnOtherNodesButNotTheSender() throws Exception {
        NodeClient sender = open(NodeClient.connect(a, app, "s"));
        PrivateChannel channel = sender.subscribePrivate("private-chat");
        NodeClient receiver = open(NodeClient.connect(b, app, "r"));
        receiver.subscribePrivate("private-chat");

        channel.trigger("client-typing", "{\"who\":\"s\"}");
        receiver.awaitNames("private-chat", "client-typing");
        assertThat(receiver.received().get(0).data()).isEqualTo("{\"who\":\"s\"}");
        trigger(c, "private-chat", "server-note", null);
        sender.awaitNames("private-chat", "server-note");
    }

    @Test
    void cacheChannelsServeTheLastEventFromAnyNode() throws Exception {
        trigger(a, "cache-prices", "price", null);
        NodeClient late = open(NodeClient.connect(c, app)).subscribe("cache-prices");
        late.awaitNames("cache-prices", "price");
        JsonNode info = get(b, "/channels/cache-prices", Map.of("info", "cache"));
        assertThat(info.path("cache").path("event").asText()).isEqualTo("price");
    }

    @Test
    void terminatingAUserClosesItsConnectionsOnEveryNode() throws Exception {
        RawWebSocket onB = open(signedIn(b, "victim"));
        RawWebSocket onC = open(signedIn(c, "victim"));
        RawWebSocket bystander = open(signedIn(c, "bystander"));

        Result result = a.rest(app).post("/users/victim/terminate_connections", "{}");
        assertThat(result.getHttpStatus()).isEqualTo(200);

        assertThat(onB.awaitClose().closeCode()).isEqualTo(4009);
        assertThat(onC.awaitClose().closeCode()).isEqualTo(4009);
        bystander.send("{\"event\":\"pusher:ping\",\"data\":{}}");
        assertThat(bystander.awaitEvent("pusher:pong")).isNotNull();
    }

    @Test
    void connectionQuotaCountsConnectionsOnEveryNode() {
        RawWebSocket first = open(a.raw(quota));
        first.established();
        RawWebSocket second = open(b.raw(quota));
        second.established();

        try (RawWebSocket third = c.raw(quota)) {
            JsonNode error = third.nextEvent();
            assertThat(error.path("event").asText()).isEqualTo("pusher:error");
            assertThat(RawWebSocket.data(error).path("code").asInt()).isEqualTo(4004);
            assertThat(third.awaitClose().closeCode()).isEqualTo(4004);
        }

        first.close();
        await().atMost(NodeClient.WAIT).until(() -> {
            try (RawWebSocket retry = c.raw(quota)) {
                return "pusher:connection_established"
                        .equals(retry.nextEvent().path("event").asText());
            }
        });
    }

    // --- helpers --------------------------------------------------------------------------------------

    private void trigger(TestServer node, String channel, String event, String socketId) {
        Result result = socketId == null
                ? node.rest(app).trigger(channel, event, Map.of("n", 1))
                : node.rest(app).trigger(channel, event, Map.of("n", 1), socketId);
        assertThat(result.getHttpStatus()).as(result.getMessage()).isEqualTo(200);
    }

    private JsonNode get(TestServer node, String path, Map<String, String> params) throws Exception {
        Result result = node.rest(app).get(path, params);
        assertThat(result.getHttpStatus()).as(result.getMessage()).isEqualTo(200);
        return JSON.readTree(result.getMessage());
    }

    private int subscriptionCount(TestServer node, String channel) throws Exception {
        return get(node, "/channels/" + channel, Map.of("info", "subscription_count"))
                .path("subscription_count")
                .asInt();
    }

    private List<String> userIds(TestServer node, String channel) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode user :
                get(node, "/channels/" + channel + "/users", Map.of()).path("users")) {
            ids.add(user.path("id").asText());
        }
        return ids;
    }

    private RawWebSocket signedIn(TestServer node, String userId) {
        RawWebSocket ws = node.raw(app);
        String socketId = ws.established();
        String userData = "{\"id\":\"" + userId + "\"}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), socketId + "::user::" + userData);
        ws.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"" + auth + "\",\"user_data\":"
                + JSON.valueToTree(userData) + "}}");
        ws.awaitEvent("pusher:signin_success");
        return ws;
    }
}
