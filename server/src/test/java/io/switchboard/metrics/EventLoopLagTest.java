package io.switchboard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.connection.PusherConnection;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code switchboard_event_loop_lag_seconds}: each event loop runs a probe once a second, and how
 * late it runs shows how long the loop was kept from its work.
 */
class EventLoopLagTest {
    private static final String LAG = "switchboard_event_loop_lag_seconds";

    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @Test
    void everyLoopIsProbedAndALoopKeptBusyShowsItsLag() {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metric(LAG + "_count") >= 4);
        assertThat(server.metric("switchboard_event_loop_lag_current_seconds{loop=\"0\"}"))
                .isGreaterThanOrEqualTo(0.0);
        assertThat(server.metric("switchboard_event_loop_lag_current_seconds{loop=\"1\"}"))
                .isGreaterThanOrEqualTo(0.0);
        double slowBefore = server.metric(LAG + "_count") - server.metric(LAG + "_bucket{le=\"0.5\"}");

        try (RawClient client = RawClient.connect(server, app)) {
            PusherConnection connection =
                    server.server().connections().all().iterator().next();
            // What a handler that blocks (a slow call on the loop) does to every connection on it.
            connection.eventLoop().execute(() -> sleep(2000));
            await().atMost(Duration.ofSeconds(15))
                    .until(() ->
                            server.metric(LAG + "_count") - server.metric(LAG + "_bucket{le=\"0.5\"}") > slowBefore);
            assertThat(server.metric(LAG + "_max")).isGreaterThan(0.5);
            client.expectOnlyPong();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
