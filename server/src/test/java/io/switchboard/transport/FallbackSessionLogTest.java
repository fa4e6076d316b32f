package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.switchboard.app.App;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A fallback session id is a bearer credential ({@code {server}/{session}} lets anyone send and
 * receive as that connection), so it never appears in the logs, at any level.
 */
class FallbackSessionLogTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(
            s -> TestSettings.change(s, t -> {
                t.writeBufferHighWaterMark = 64 * 1024;
                t.writeBufferLowWaterMark = 32 * 1024;
                t.shutdownTimeout = 0;
            }),
            app);

    private final Logger logger = (Logger) LoggerFactory.getLogger("switchboard.transport");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Level level;

    @BeforeEach
    void capture() {
        level = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(logs);
        logger.setLevel(level);
    }

    @Test
    void aSlowSessionIsClosedAndLoggedWithoutItsSessionId() {
        try (FallbackClient client = FallbackClient.streaming(server.port(), app.key())) {
            String socketId = client.established();
            client.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"bulk\"}}");
            client.awaitEvent("pusher_internal:subscription_succeeded");
            // Never read again: past 256 KiB the server holds messages for a new stream that never
            // comes, and four times the 64 KiB high-water mark later it gives up on the session.
            for (int i = 0; i < 80; i++) {
                server.rest(app).trigger("bulk", "chunk", Map.of("filler", "x".repeat(8 * 1024)));
            }
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() ->
                            assertThat(server.server().connections().total()).isZero());

            String session = client.base().substring(client.base().lastIndexOf('/') + 1);
            assertThat(logs.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).contains("slow").contains(socketId))
                    .noneSatisfy(line -> assertThat(line).contains(session));
        }
    }
}
