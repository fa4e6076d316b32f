package io.switchboard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.WebhookSettings;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code switchboard_webhooks_request_duration_seconds{result}} times each POST, {@code
 * switchboard_webhooks_delivery_delay_seconds} each batch from its forming to its 2xx.
 */
class WebhookMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;

    private final WebhookReceiver receiver = WebhookReceiver.start();
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receiver.close();
    }

    @Test
    void postsAreTimedByResultAndDeliveriesFromTheirForming() {
        App app = TestApps.withWebhooks(TestApps.app("a"), TestApps.webhook(receiver.url()));
        WebhookSettings settings =
                new WebhookSettings(20, 50, 0, 2000, 100, 200, 60, dataDir.toString(), "never", 1 << 20);
        server = TestServer.start(
                SwitchboardConfig.of(TestServer.settings(), List.of(app)).withWebhooks(settings));
        receiver.failNext(500);
        try (RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.subscribe("news");
            await().atMost(WAIT).until(() -> receiver.eventNames().contains("channel_occupied"));
            await().atMost(WAIT)
                    .until(() ->
                            server.metric("switchboard_webhooks_request_duration_seconds_count{result=\"success\"}")
                                    == 1);
            assertThat(server.metric("switchboard_webhooks_request_duration_seconds_count{result=\"error\"}"))
                    .as("the first try, answered 500")
                    .isEqualTo(1);
            assertThat(server.metric("switchboard_webhooks_delivery_delay_seconds_count"))
                    .isEqualTo(1);
            assertThat(server.metric("switchboard_webhooks_delivery_delay_seconds_sum"))
                    .as("the batch waited for its retry")
                    .isGreaterThanOrEqualTo(0.05);
            assertThat(server.metric("switchboard_webhooks_delivery_delay_seconds_bucket{le=\"600.0\"}"))
                    .isEqualTo(1);
        }
    }
}
