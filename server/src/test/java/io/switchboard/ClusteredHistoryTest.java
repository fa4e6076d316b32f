package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.RedisSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.NodeProcess;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * History across nodes on one Redis: a client resumes on another node than the one it left, and
 * events published through a node killed with SIGKILL are replayed by the survivors, serials
 * continuing from where it stopped.
 */
class ClusteredHistoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.withHistory(TestApps.app("a"), TestApps.history("chat-*", 100, 2));
    private final TestRedis redis = TestRedis.standalone();
    private final RedisSettings settings = redis.settings();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Process doomed;
    private Path log;

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (doomed != null) {
            doomed.destroyForcibly();
        }
        redis.close();
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    private TestServer node() {
        TestServer server =
                TestServer.start(SwitchboardConfig.of(TestServer.settings().withNodeId(""), List.of(app))
                        .withBroker(BrokerSettings.redis(settings)));
        open.add(server);
        return server;
    }

    private RawClient client(int port) {
        RawClient c = RawClient.connect(port, app);
        open.add(c);
        return c;
    }

    @Test
    void aClientLeavingOneNodeResumesOnAnotherWithoutAGap() throws Exception {
        TestServer a = node();
        TestServer b = node();
        RawClient onA = client(a.port());
        onA.subscribe("chat-move");
        Rest.trigger(a.rest(app), "chat-move", "seen", Map.of());
        long seen = onA.expect("seen").path("serial").asLong();
        onA.close();
        for (int i = 1; i <= 3; i++) {
            Rest.trigger(i % 2 == 0 ? a.rest(app) : b.rest(app), "chat-move", "missed" + i, Map.of());
        }

        RawClient onB = client(b.port());
        resume(onB, "chat-move", seen);
        for (int i = 1; i <= 3; i++) {
            assertThat(onB.expect("missed" + i).path("serial").asLong()).isEqualTo(seen + i);
        }
        JsonNode marker =
                JSON.readTree(onB.expect("switchboard:resumed").path("data").asText());
        assertThat(marker.path("replayed").asInt()).isEqualTo(3);
        Rest.trigger(a.rest(app), "chat-move", "live", Map.of());
        assertThat(onB.expect("live").path("serial").asLong()).isEqualTo(seen + 4);

        RawClient rewound = client(a.port());
        rewound.subscribe("chat-move");
        rewound.expect("missed3");
        rewound.expect("live");
        rewound.expectOnlyPong();
    }

    @Test
    void eventsPublishedThroughAKilledNodeAreReplayedBySurvivors() throws Exception {
        TestServer survivor = node();
        int port = TestRedis.freePort(false);
        startDoomedNode(port);
        Pusher doomedRest =
                new Pusher("http://" + app.key() + ":" + app.secret() + "@127.0.0.1:" + port + "/apps/" + app.id());

        RawClient watcher = client(survivor.port());
        watcher.subscribe("chat-crash");
        Rest.trigger(doomedRest, "chat-crash", "first", Map.of());
        long first = watcher.expect("first").path("serial").asLong();
        RawClient there = client(port);
        there.subscribe("chat-crash");
        there.expect("first");
        Rest.trigger(doomedRest, "chat-crash", "second", Map.of());
        Rest.trigger(doomedRest, "chat-crash", "third", Map.of());
        there.expect("second");
        there.expect("third");

        doomed.destroyForcibly();
        assertThat(doomed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Rest.trigger(survivor.rest(app), "chat-crash", "after", Map.of());

        RawClient back = client(survivor.port());
        resume(back, "chat-crash", first);
        assertThat(back.expect("second").path("serial").asLong()).isEqualTo(first + 1);
        assertThat(back.expect("third").path("serial").asLong()).isEqualTo(first + 2);
        assertThat(back.expect("after").path("serial").asLong())
                .as("the sequence continues past the dead node's events")
                .isEqualTo(first + 3);
        back.expect("switchboard:resumed");

        Result page = survivor.rest(app).get("/channels/chat-crash/events", Map.of("after", "0"));
        List<String> names = new ArrayList<>();
        JSON.readTree(page.getMessage())
                .path("events")
                .forEach(e -> names.add(e.path("event").asText()));
        assertThat(names).containsExactly("first", "second", "third", "after");
    }

    private static void resume(RawClient c, String channel, long after) {
        ObjectNode data = JSON.createObjectNode().put("channel", channel).put("resume_after", after);
        c.send("pusher:subscribe", null, data);
        c.expectSubscribed(channel);
    }

    /** Starts a node in its own JVM, configured through the environment only. */
    private void startDoomedNode(int port) throws Exception {
        log = Files.createTempFile("switchboard-node", ".log");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SWITCHBOARD_BROKER__DRIVER", "redis");
        env.put("SWITCHBOARD_BROKER__REDIS__URL", settings.url());
        env.put("SWITCHBOARD_BROKER__REDIS__KEY_PREFIX", settings.keyPrefix());
        env.put("SWITCHBOARD_APPS__0__ID", app.id());
        env.put("SWITCHBOARD_APPS__0__KEY", app.key());
        env.put("SWITCHBOARD_APPS__0__SECRET", app.secret());
        env.put("SWITCHBOARD_APPS__0__HISTORY__0__CHANNELS", "chat-*");
        env.put("SWITCHBOARD_APPS__0__HISTORY__0__REWIND", "2");
        doomed = NodeProcess.start(port, env, log);
    }
}
