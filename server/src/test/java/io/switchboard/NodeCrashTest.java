package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.RedisSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.WebhookSettings;
import io.switchboard.testing.NodeClient;
import io.switchboard.testing.NodeProcess;
import io.switchboard.testing.RawPusher;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node killed without warning (SIGKILL, a separate JVM): the surviving node removes its members
 * and signed-in users once its heartbeat expires, clients see {@code member_removed} (watchers
 * {@code offline}) exactly once, counts are right, webhooks name only real channels.
 */
class NodeCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookReceiver hooks = WebhookReceiver.start();
    private final App app = TestApps.withWebhooks(TestApps.app("a"), TestApps.webhook(hooks.url()));
    private final TestRedis redis = TestRedis.standalone();
    private final RedisSettings settings = redis.settings();
    private final TestServer survivor = TestServer.start(SwitchboardConfig.of(
                    TestServer.settings().withNodeId(""), List.of(app))
            .withBroker(BrokerSettings.redis(settings))
            .withWebhooks(new WebhookSettings(
                    20, 50, 0, 2000, 100, 200, 60, "data", "always", WebhookSettings.DEFAULTS.maxBacklogBytes())));
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
        survivor.close();
        redis.close();
        hooks.close();
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void membersOfAKilledNodeAreRemovedOnceBySurvivors() throws Exception {
        int port = TestRedis.freePort(false);
        startDoomedNode(port);

        NodeClient watcher = open(NodeClient.connect(survivor, app, "watcher")).subscribePresence("presence-room");
        NodeClient victim = open(NodeClient.connect(port, app, "victim"));
        victim.subscribePresence("presence-room").subscribe("only-there");
        NodeClient sharedThere = open(NodeClient.connect(port, app, "shared")).subscribePresence("presence-room");
        watcher.awaitNames("presence-room", "member_added:victim", "member_added:shared");
        NodeClient sharedHere =
                open(NodeClient.connect(survivor, app, "shared")).subscribePresence("presence-room");
        await().atMost(NodeClient.WAIT).until(() -> subscriptionCount("presence-room") == 4);
        assertThat(occupied()).contains("only-there");

        doomed.destroyForcibly();
        assertThat(doomed.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        watcher.awaitNames("presence-room", "member_added:victim", "member_added:shared", "member_removed:victim");
        await().atMost(NodeClient.WAIT).until(() -> subscriptionCount("presence-room") == 2);
        assertThat(userIds("presence-room")).containsExactlyInAnyOrder("watcher", "shared");
        assertThat(occupied()).containsExactly("presence-room");

        Result sentinel = survivor.rest(app).trigger("presence-room", "after", Map.of());
        assertThat(sentinel.getHttpStatus()).isEqualTo(200);
        watcher.awaitNames(
                "presence-room", "member_added:victim", "member_added:shared", "member_removed:victim", "after");
        sharedHere.awaitNames("presence-room", "member_removed:victim", "after");
    }

    @Test
    void signedInUsersOfAKilledNodeGoOfflineForWatchersOnOtherNodes() throws Exception {
        int port = TestRedis.freePort(false);
        startDoomedNode(port);
        RawWebSocket watcher = open(RawPusher.signedIn(survivor.port(), app, "watcher", "[\"ghost\"]"));
        assertThat(RawPusher.eventsUntil(watcher, "pusher_internal:watchlist_events"))
                .containsExactly("offline:ghost");
        open(RawPusher.signedIn(port, app, "ghost", "[]"));
        assertThat(RawPusher.eventsUntil(watcher, "pusher_internal:watchlist_events"))
                .containsExactly("online:ghost");

        doomed.destroyForcibly();
        assertThat(doomed.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThat(RawPusher.eventsUntil(watcher, "pusher_internal:watchlist_events"))
                .as("the watcher is told once the dead node is reaped")
                .containsExactly("offline:ghost");
        RawWebSocket late = open(RawPusher.signedIn(survivor.port(), app, "late", "[\"ghost\"]"));
        assertThat(RawPusher.eventsUntil(late, "pusher_internal:watchlist_events"))
                .containsExactly("offline:ghost");
        assertThat(occupied()).isEmpty();

        // Webhooks: the sentinel's is the first, so nothing was sent for the internal names.
        watcher.subscribe("sentinel");
        await().atMost(NodeClient.WAIT).until(() -> !hooks.events().isEmpty());
        assertThat(hooks.events().stream()
                        .map(e -> e.path("name").asText() + " "
                                + e.path("channel").asText())
                        .toList())
                .containsExactly("channel_occupied sentinel");
    }

    private <T extends AutoCloseable> T open(T client) {
        open.add(client);
        return client;
    }

    /** Starts a node in its own JVM, configured through the environment only. */
    private void startDoomedNode(int port) throws IOException {
        log = Files.createTempFile("switchboard-node", ".log");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SWITCHBOARD_BROKER__DRIVER", "redis");
        env.put("SWITCHBOARD_BROKER__REDIS__URL", settings.url());
        env.put("SWITCHBOARD_BROKER__REDIS__KEY_PREFIX", settings.keyPrefix());
        env.put("SWITCHBOARD_BROKER__REDIS__HEARTBEAT_INTERVAL_MS", "500");
        env.put("SWITCHBOARD_BROKER__REDIS__NODE_TIMEOUT_MS", "3000");
        env.put("SWITCHBOARD_APPS__0__ID", app.id());
        env.put("SWITCHBOARD_APPS__0__KEY", app.key());
        env.put("SWITCHBOARD_APPS__0__SECRET", app.secret());
        env.put("SWITCHBOARD_APPS__0__CLIENT_EVENTS", "true");
        doomed = NodeProcess.start(port, env, log);
    }

    private JsonNode get(String path, Map<String, String> params) {
        Result result = survivor.rest(app).get(path, params);
        assertThat(result.getHttpStatus()).as(result.getMessage()).isEqualTo(200);
        try {
            return JSON.readTree(result.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int subscriptionCount(String channel) {
        return get("/channels/" + channel, Map.of("info", "subscription_count"))
                .path("subscription_count")
                .asInt();
    }

    private List<String> occupied() {
        List<String> names = new ArrayList<>();
        get("/channels", Map.of()).path("channels").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private List<String> userIds(String channel) {
        List<String> ids = new ArrayList<>();
        for (JsonNode user : get("/channels/" + channel + "/users", Map.of()).path("users")) {
            ids.add(user.path("id").asText());
        }
        return ids;
    }
}
