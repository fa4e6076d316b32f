package io.switchboard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.DashboardClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one Redis: the dashboard on either shows the whole cluster's numbers and the
 * console shows events from both, and no node sends console events while nobody watches the app.
 */
class ClusterDashboardTest {
    private static final App app = TestApps.app("clu");
    private static TestRedis redis;
    private static TestServer a;
    private static TestServer b;
    private static String keyPrefix;

    @BeforeAll
    static void start() {
        redis = TestRedis.standalone();
        BrokerSettings broker = BrokerSettings.redis(redis.settings());
        keyPrefix = broker.redis().keyPrefix();
        a = TestServer.start(broker, app);
        b = TestServer.start(broker, app);
    }

    @AfterAll
    static void stop() {
        for (TestServer s : new TestServer[] {a, b}) {
            if (s != null) {
                s.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theConsoleOnOneNodeShowsEventsFromEveryNode() {
        try (DashboardClient onA = DashboardClient.of(a)) {
            DashboardClient.Stream console = onA.console(app.id(), "");
            assertThat(console.status()).isEqualTo(200);
            // Node b starts sending the app's events once a's interest has reached it.
            AtomicInteger probe = new AtomicInteger();
            Awaitility.await("b sends the app's console events")
                    .atMost(DashboardClient.WAIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        String name = "probe-" + probe.incrementAndGet();
                        b.rest(app).trigger("probes", name, Map.of());
                        return console.events().stream()
                                .anyMatch(e -> e.path("event").asText().startsWith("probe-"));
                    });

            try (RawWebSocket onNodeA = a.raw(app);
                    RawWebSocket onNodeB = b.raw(app)) {
                String idA = onNodeA.established();
                String idB = onNodeB.established();
                JsonNode openedA = console.await("connection", "socket_id", idA);
                JsonNode openedB = console.await("connection", "socket_id", idB);
                assertThat(openedA.path("node").asText())
                        .isNotEqualTo(openedB.path("node").asText());
                b.rest(app).trigger("news", "from-b", Map.of("n", 1));
                a.rest(app).trigger("news", "from-a", Map.of("n", 2));
                assertThat(console.await("api_message", "event", "from-b")
                                .path("node")
                                .asText())
                        .isEqualTo(openedB.path("node").asText());
                assertThat(console.await("api_message", "event", "from-a")
                                .path("node")
                                .asText())
                        .isEqualTo(openedA.path("node").asText());
            }
        }
    }

    @Test
    void theOverviewOnOneNodeCountsTheConnectionsOfEveryNode() {
        List<RawWebSocket> sockets = new ArrayList<>();
        try (DashboardClient onA = DashboardClient.of(a)) {
            for (int i = 0; i < 2; i++) {
                sockets.add(a.raw(app));
            }
            for (int i = 0; i < 3; i++) {
                sockets.add(b.raw(app));
            }
            sockets.forEach(RawWebSocket::established);
            Awaitility.await("5 connections over 2 nodes")
                    .atMost(DashboardClient.WAIT)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        JsonNode o = onA.get("/dashboard/api/overview").json();
                        return o.path("nodes").size() == 2
                                && o.path("apps").get(0).path("connections").asInt() == 5;
                    });
            JsonNode page = onA.get("/dashboard/api/apps/" + app.id()).json();
            assertThat(page.path("connections").path("count").asInt()).isEqualTo(5);
            Set<Integer> perNode = new HashSet<>();
            page.path("nodes").forEach(n -> perNode.add(n.path("connections").asInt()));
            assertThat(perNode).containsExactlyInAnyOrder(2, 3);
            assertThat(page.path("connections")
                            .path("transports")
                            .path("websocket")
                            .asInt())
                    .isEqualTo(5);
        } finally {
            sockets.forEach(RawWebSocket::close);
        }
    }

    @Test
    void noNodeSendsConsoleEventsOfAnAppNobodyWatches() throws Exception {
        App unwatched = app;
        RedisClient client = RedisClient.create(RedisURI.create(redis.settings().url()));
        AtomicInteger debugMessages = new AtomicInteger();
        try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub()) {
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    debugMessages.incrementAndGet();
                }
            });
            sub.sync().subscribe(keyPrefix + "msg:" + unwatched.id() + ":#debug");

            // Nobody has the console open (a viewer of another test may have left a moment ago).
            Awaitility.await("no console events while nobody watches")
                    .atMost(DashboardClient.WAIT)
                    .pollDelay(Duration.ofSeconds(1))
                    .until(() -> {
                        int before = debugMessages.get();
                        for (int i = 0; i < 20; i++) {
                            b.rest(unwatched).trigger("quiet", "unseen", Map.of());
                        }
                        Thread.sleep(500);
                        return debugMessages.get() == before;
                    });

            try (DashboardClient onA = DashboardClient.of(a)) {
                DashboardClient.Stream console = onA.console(unwatched.id(), "");
                assertThat(console.status()).isEqualTo(200);
                Awaitility.await("console events once someone watches")
                        .atMost(DashboardClient.WAIT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            b.rest(unwatched).trigger("quiet", "seen", Map.of());
                            return debugMessages.get() > 0;
                        });
            }
        } finally {
            client.shutdown();
        }
    }
}
