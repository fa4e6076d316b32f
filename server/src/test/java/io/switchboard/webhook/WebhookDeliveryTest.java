package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.WebhookSettings;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What webhooks.md and configuration.md promise of a target's options ({@code headers}, {@code
 * event_types}) and of the {@code webhooks} settings ({@code batch_max_events}, {@code timeout_ms},
 * {@code retry_for_seconds}, {@code sync}), checked at a real receiver.
 */
class WebhookDeliveryTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;

    private final WebhookReceiver receiver = WebhookReceiver.start();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        receiver.close();
    }

    /** Batches of up to 20 events formed within 50 ms, no hold, 2 s timeout, quick retries. */
    private WebhookSettings settings() {
        return new WebhookSettings(20, 50, 0, 2000, 100, 200, 60, dataDir.toString(), "always", 8 << 20);
    }

    private TestServer start(WebhookSettings settings, App app) {
        return keep(TestServer.start(
                SwitchboardConfig.of(TestServer.settings(), List.of(app)).withWebhooks(settings)));
    }

    private static App app(App.Webhook... hooks) {
        return TestApps.withWebhooks(TestApps.app("a"), hooks);
    }

    private static App.Webhook target(String url, List<String> eventTypes, Map<String, String> headers) {
        return new App.Webhook(url, eventTypes, "", headers);
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private static List<String> names(WebhookReceiver at) {
        return at.events().stream()
                .map(e -> e.path("name").asText() + ":" + e.path("channel").asText())
                .toList();
    }

    @Test
    void everyPostCarriesTheTargetsHeaders() {
        App app = app(target(receiver.url(), List.of(), Map.of("Authorization", "Bearer 123", "X-Tenant", "blue")));
        TestServer server = start(settings(), app);
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("news");
            await().atMost(WAIT).until(() -> receiver.requests().size() == 1);
            client.unsubscribe("news");
            await().atMost(WAIT).until(() -> receiver.requests().size() == 2);
        }

        assertThat(names(receiver)).containsExactly("channel_occupied:news", "channel_vacated:news");
        for (WebhookReceiver.Request r : receiver.requests()) {
            assertThat(r.header("Authorization")).isEqualTo("Bearer 123");
            assertThat(r.header("X-Tenant")).isEqualTo("blue");
            assertThat(r.header("X-Pusher-Key")).isEqualTo(app.key());
        }
    }

    @Test
    void subscriptionCountIsSentOnlyToTargetsThatListIt() {
        try (WebhookReceiver counts = WebhookReceiver.start()) {
            App app = app(
                    target(receiver.url(), List.of(), Map.of()),
                    target(counts.url(), List.of("subscription_count"), Map.of()));
            TestServer server = start(settings(), app);
            RawClient first = keep(RawClient.connect(server, app));
            first.subscribe("room");
            RawClient second = keep(RawClient.connect(server, app));
            second.subscribe("room");
            second.unsubscribe("room");
            await().atMost(WAIT).until(() -> counts.events().size() == 3);
            // Formed after every count above, so after any count sent to the default target too.
            first.subscribe("fence");
            await().atMost(WAIT).until(() -> names(receiver).contains("channel_occupied:fence"));
            await().atMost(WAIT).until(() -> counts.events().size() == 4);

            assertThat(counts.events())
                    .extracting(e ->
                            e.path("name").asText() + ":" + e.path("channel").asText() + "="
                                    + e.path("subscription_count").asText())
                    .containsExactly(
                            "subscription_count:room=1",
                            "subscription_count:room=2",
                            "subscription_count:room=1",
                            "subscription_count:fence=1");
            assertThat(names(receiver))
                    .as("the default event types leave subscription_count out")
                    .containsExactly("channel_occupied:room", "channel_occupied:fence");
        }
    }

    @Test
    void aPostCarriesAtMostBatchMaxEvents() {
        App app = app(target(receiver.url(), List.of(), Map.of()));
        // Batches wait up to 2 s for company: only the size limit splits them sooner.
        TestServer server =
                start(new WebhookSettings(3, 2000, 0, 2000, 100, 200, 60, dataDir.toString(), "always", 8 << 20), app);
        try (RawClient client = RawClient.connect(server, app)) {
            List<String> subscribes = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                subscribes.add("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c" + i + "\"}}");
            }
            client.ws().sendTextsAtOnce(subscribes);
            await().atMost(WAIT).until(() -> receiver.events().size() == 7);

            // Read while the client is still connected: once it closes, the seven channel_vacated
            // fill batches of three that leave at once.
            List<Integer> sizes = receiver.requests().stream()
                    .map(r -> r.json().path("events").size())
                    .toList();
            assertThat(sizes).allMatch(n -> n <= 3).contains(3);
            assertThat(names(receiver))
                    .containsExactly(
                            "channel_occupied:c0",
                            "channel_occupied:c1",
                            "channel_occupied:c2",
                            "channel_occupied:c3",
                            "channel_occupied:c4",
                            "channel_occupied:c5",
                            "channel_occupied:c6");
        }
    }

    @Test
    void aReceiverSlowerThanTimeoutMsIsTriedAgain() {
        App app = app(target(receiver.url(), List.of(), Map.of()));
        // The first try is answered 200, but after the 500 ms the receiver has.
        receiver.answerLate(Duration.ofMillis(2500));
        TestServer server =
                start(new WebhookSettings(20, 50, 0, 500, 100, 200, 60, dataDir.toString(), "always", 8 << 20), app);
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("news");
            await().atMost(WAIT).until(() -> receiver.requests().size() == 2);

            // Read while the client is still connected, before its channel_vacated is sent.
            assertThat(names(receiver))
                    .as("the late answer did not count: the batch was sent again")
                    .containsExactly("channel_occupied:news", "channel_occupied:news");
            assertThat(server.metric("switchboard_webhooks_retried_total{app=\"a\"}"))
                    .isGreaterThanOrEqualTo(1);
            await().atMost(WAIT).until(() -> server.metric("switchboard_webhooks_delivered_total{app=\"a\"}") == 1);
        }
    }

    @Test
    void aBatchIsGivenUpAfterRetryForSecondsAndCountedAsFailedThenTheNextIsDelivered() {
        int retryForSeconds = 2;
        App app = app(target(receiver.url(), List.of(), Map.of()));
        receiver.failEverything(500);
        TestServer server = start(
                new WebhookSettings(20, 50, 0, 2000, 100, 200, retryForSeconds, dataDir.toString(), "always", 8 << 20),
                app);
        RawClient client = keep(RawClient.connect(server, app));
        long formed = System.nanoTime();
        client.subscribe("first");

        await().atMost(WAIT).until(() -> server.metric("switchboard_webhooks_queued{app=\"a\"}") == 1);
        assertThat(server.metric("switchboard_webhooks_failed_total{app=\"a\"}"))
                .isZero();
        await().atMost(Duration.ofSeconds(retryForSeconds + 15))
                .until(() -> server.metric("switchboard_webhooks_failed_total{app=\"a\"}") == 1);
        // The sender gives up when its next attempt would fall past the window, so up to one
        // backoff (at most 200 ms here) before it ends; a sender that gave up early (after the
        // first failures) would be well under this. A slow machine only makes it later.
        assertThat(Duration.ofNanos(System.nanoTime() - formed))
                .as("tried for about retry_for_seconds before giving up")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(retryForSeconds).minusMillis(500));
        assertThat(server.metric("switchboard_webhooks_retried_total{app=\"a\"}"))
                .isGreaterThanOrEqualTo(2);
        await().atMost(WAIT).until(() -> server.metric("switchboard_webhooks_queued{app=\"a\"}") == 0);

        receiver.answerAgain();
        client.subscribe("second");
        await().atMost(WAIT).until(() -> receiver.events().size() == 1);
        assertThat(names(receiver))
                .as("the given-up batch is not sent again")
                .containsExactly("channel_occupied:second");
        assertThat(server.metric("switchboard_webhooks_failed_total{app=\"a\"}"))
                .isEqualTo(1);
    }

    @Test
    void serverToUserChannelsProduceNoOccupiedOrVacated() {
        App app = app(target(receiver.url(), List.of(), Map.of()));
        TestServer server = start(settings(), app);
        try (RawClient user = RawClient.connect(server, app)) {
            user.signin("u1");
            user.subscribe("#server-to-user-u1");
        }
        try (RawClient fence = RawClient.connect(server, app)) {
            fence.subscribe("fence");
        }
        await().atMost(WAIT).until(() -> names(receiver).contains("channel_vacated:fence"));

        assertThat(names(receiver)).containsExactly("channel_occupied:fence", "channel_vacated:fence");
    }

    /**
     * Each {@code sync} mode is read from the file, delivers, and keeps batches the receiver did
     * not take over a graceful restart (a power failure, where the modes differ, is not simulated).
     */
    @ParameterizedTest
    @ValueSource(strings = {"always", "every_second", "never"})
    void everySyncModeDeliversAndKeepsUndeliveredBatchesOverARestart(String sync) throws IOException {
        int port = receiver.port();
        receiver.close(); // down: the first batch waits in the queue file
        Path file = dataDir.resolve("switchboard.yaml");
        Files.writeString(file, """
                webhooks:
                  sync: %s
                  data_dir: %s
                  batch_max_delay_ms: 50
                  removal_delay_ms: 0
                  retry_initial_ms: 100
                  retry_max_ms: 200
                apps:
                  - id: a
                    key: a-key
                    secret: a-secret
                    webhooks:
                      - url: http://127.0.0.1:%d/hooks
                """.formatted(sync, dataDir.resolve("data"), port));
        SwitchboardConfig loaded = ConfigLoader.load(file, Map.of());
        assertThat(loaded.webhooks().sync()).isEqualTo(sync);
        SwitchboardConfig config = loaded.withServer(TestServer.settings());
        App app = config.apps().get(0);

        TestServer first = TestServer.start(config);
        try (RawWebSocket ws = first.raw(app)) {
            ws.established();
            ws.subscribe("before-restart");
            await().atMost(WAIT)
                    .until(() -> first.server().webhooks().stats("a").retried() >= 1);
        } finally {
            first.close();
        }
        try (WebhookReceiver back = WebhookReceiver.start(port)) {
            TestServer second = keep(TestServer.start(config));
            try (RawClient client = RawClient.connect(second, app)) {
                client.subscribe("after-restart");
            }
            await().atMost(WAIT).until(() -> back.events().size() == 4);
            assertThat(names(back))
                    .containsExactly(
                            "channel_occupied:before-restart",
                            "channel_vacated:before-restart",
                            "channel_occupied:after-restart",
                            "channel_vacated:after-restart");
        }
    }
}
