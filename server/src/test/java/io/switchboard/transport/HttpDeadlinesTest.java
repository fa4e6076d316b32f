package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code server.request_timeout} and {@code server.idle_timeout}: an HTTP connection must deliver
 * each request in time and may not sit idle between requests for ever, on the public and the admin
 * listener; upgraded WebSockets and fallback receive requests are not subject to either.
 */
class HttpDeadlinesTest {
    private static final Duration WAIT = Duration.ofSeconds(6);

    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");
    private TestServer server;
    private Bystanders bystanders;

    private void start(int requestTimeout, int idleTimeout) {
        server = TestServer.start(
                s -> TestSettings.change(s, t -> {
                    t.requestTimeout = requestTimeout;
                    t.idleTimeout = idleTimeout;
                    t.shutdownTimeout = 0;
                }),
                app,
                other);
        bystanders = new Bystanders(server, app, other);
    }

    @AfterEach
    void stop() {
        bystanders.close();
        server.close();
    }

    @Test
    void aConnectionThatNeverSendsARequestIsClosed() {
        start(1, 30);
        try (RawHttp silent = RawHttp.raw(server.port(), "")) {
            assertThat(silent.closedWithin(WAIT)).isTrue();
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void halfSentHeadersAreAnswered408AndClosed() {
        start(1, 30);
        try (RawHttp slow = RawHttp.raw(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")) {
            assertThat(slow.status()).isEqualTo(408);
            assertThat(slow.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(slow.readToEnd()).contains("error");
            assertThat(slow.closedWithin(WAIT)).isTrue();
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void aBodyThatNeverCompletesIsAnswered408() {
        start(1, 30);
        try (RawHttp slow = RawHttp.raw(
                server.port(),
                "POST /apps/a/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{\"name\":")) {
            assertThat(slow.status()).isEqualTo(408);
            assertThat(slow.closedWithin(WAIT)).isTrue();
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void anIdleKeepAliveConnectionIsClosed() {
        start(10, 1);
        try (RawHttp connection = RawHttp.raw(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            assertThat(connection.status()).isEqualTo(200);
            connection.readToEnd();
            assertThat(connection.closedWithin(WAIT)).isTrue();
        }
        bystanders.stillReceiveEvents();
    }

    /**
     * Between requests the idle timeout applies; the request timeout starts with the first byte of
     * the next request (as in nginx and Go's net/http), so a keep-alive connection may wait longer
     * than the request timeout before its next request but must then send it in time.
     */
    @Test
    void aKeepAliveConnectionWaitsUpToTheIdleTimeoutThenHasTheRequestTimeout() throws Exception {
        start(1, 30);
        try (RawHttp connection = RawHttp.raw(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            assertThat(connection.status()).isEqualTo(200);
            connection.readToEnd();

            Thread.sleep(2500); // longer than the request timeout, well within the idle timeout

            connection.next().send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(connection.status()).isEqualTo(200);
            connection.readToEnd();
            connection.next().send("GET /health HTTP/1.1\r\n");
            assertThat(connection.status()).isEqualTo(408);
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void theAdminListenerHasTheSameDeadlines() {
        start(1, 1);
        try (RawHttp silent = RawHttp.raw(server.adminPort(), "");
                RawHttp slow = RawHttp.raw(server.adminPort(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");
                RawHttp idle = RawHttp.raw(server.adminPort(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            assertThat(idle.status()).isEqualTo(200);
            idle.readToEnd();
            assertThat(slow.status()).isEqualTo(408);
            assertThat(silent.closedWithin(WAIT)).isTrue();
            assertThat(slow.closedWithin(WAIT)).isTrue();
            assertThat(idle.closedWithin(WAIT)).isTrue();
        }
        bystanders.stillReceiveEvents();
    }

    /**
     * An open stream and a held poll are requests being answered, and a WebSocket is no longer
     * HTTP: none of them is closed by the deadlines. The bystanders are WebSockets older than both.
     */
    @Test
    void openStreamsHeldPollsAndWebSocketsOutliveBothDeadlines() {
        start(1, 1);
        try (FallbackClient streaming = FallbackClient.streaming(server.port(), app.key());
                FallbackClient polling = FallbackClient.polling(server.port(), app.key())) {
            streaming.established();
            polling.established();
            streaming.send(subscribe("news"));
            polling.send(subscribe("news"));
            streaming.awaitEvent("pusher_internal:subscription_succeeded");
            polling.awaitEvent("pusher_internal:subscription_succeeded");
            try (RawHttp held = polling.receive()) {
                assertThat(held.silentFor(Duration.ofSeconds(3)))
                        .as("held past both deadlines")
                        .isTrue();

                Rest.trigger(server.rest(app), "news", "later", Map.of());

                assertThat(streaming.awaitEvent("later").path("channel").asText())
                        .isEqualTo("news");
                assertThat(held.status()).isEqualTo(200);
                assertThat(held.readToEnd()).contains("later");
            }
        }
        bystanders.stillReceiveEvents();
    }

    private static String subscribe(String channel) {
        return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}";
    }
}
