package io.switchboard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.rest.Pusher;
import io.switchboard.app.App;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code switchboard_limit_rejections_total{app, reason}} counts what each limit refuses or closes,
 * under the name of the setting that sets it, for the app it was met in. (Slow consumers and stalled
 * readers are checked in SlowConsumerTest and StalledReaderTest.)
 */
class LimitRejectionsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final App limited = TestApps.withClientEvents(
            TestApps.withLimits(TestApps.app("small"), l -> {
                l.maxConnections = 3;
                l.maxChannelsPerConnection = 3;
                l.maxChannelNameLength = 20;
                l.maxEventNameLength = 20;
                l.maxPayloadBytes = 100;
                l.maxPresenceMembers = 1;
                l.clientEventsPerSecond = 2;
                l.maxChannelsPerEvent = 2;
                l.maxBatchSize = 2;
                l.restRequestsPerSecond = 2;
                return l;
            }),
            true);
    private final App other = TestApps.app("other");
    private final List<AutoCloseable> open = new ArrayList<>();
    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void connectionAndSubscriptionLimitsAreCountedForTheirApp() {
        server = TestServer.start(limited, other);
        RawClient first = keep(RawClient.connect(server, limited));
        RawClient second = keep(RawClient.connect(server, limited));
        keep(RawClient.connect(server, limited));
        RawWebSocket fourth = keep(server.raw(limited));
        assertThat(fourth.awaitClose().closeCode()).isEqualTo(4004);
        assertThat(rejections("small", "max_connections")).isEqualTo(1);

        first.subscribe("one");
        first.subscribe("two");
        first.joinAs("presence-room", "alice");
        first.sendSubscribe("four").await("pusher:subscription_error");
        assertThat(rejections("small", "max_channels_per_connection")).isEqualTo(1);

        second.sendJoin("presence-room", RawClient.channelData("bob")).await("pusher:subscription_error");
        assertThat(rejections("small", "max_presence_members")).isEqualTo(1);

        second.sendSubscribe("x".repeat(21)).await("pusher:subscription_error");
        assertThat(rejections("small", "max_channel_name_length")).isEqualTo(1);

        assertThat(rejections("other", "max_connections"))
                .as("no series for an app that met no limit")
                .isNaN();
    }

    @Test
    void clientEventLimitsAreCounted() {
        server = TestServer.start(limited, other);
        RawClient client = keep(RawClient.connect(server, limited));
        client.subscribe("private-chat");

        client.trigger("private-chat", "client-" + "e".repeat(20), "{}").expectError();
        assertThat(rejections("small", "max_event_name_length")).isEqualTo(1);

        client.trigger("private-chat", "client-big", "\"" + "x".repeat(200) + "\"");
        for (int i = 0; i < 20; i++) {
            client.trigger("private-chat", "client-small", "{}");
        }
        await().atMost(WAIT).until(() -> rejections("small", "client_events_per_second") >= 1);
        assertThat(rejections("small", "max_payload_bytes") + rejections("small", "client_events_per_second"))
                .as("the large event is refused for its size, or for the rate if the bucket was empty")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void restLimitsAreCounted() {
        server = TestServer.start(limited, other);
        Pusher rest = server.rest(limited);
        assertThat(rest.trigger("c", "e", Map.of("x", "y".repeat(200))).getHttpStatus())
                .isEqualTo(413);
        assertThat(rejections("small", "max_payload_bytes")).isEqualTo(1);
        assertThat(rest.trigger(List.of("a", "b", "c"), "e", Map.of()).getHttpStatus())
                .isEqualTo(400);
        assertThat(rejections("small", "max_channels_per_event")).isEqualTo(1);

        int refused = 0;
        for (int i = 0; i < 20 && refused == 0; i++) {
            if (rest.trigger("c", "e", Map.of()).getHttpStatus() == 429) {
                refused++;
            }
        }
        assertThat(refused).isEqualTo(1);
        assertThat(rejections("small", "rest_requests_per_second")).isEqualTo(1);
    }

    @Test
    void serverLimitsMetBeforeAnAppIsKnownAreCountedWithoutOne() {
        server = TestServer.start(
                s -> TestSettings.change(s, t -> {
                    t.requestTimeout = 1;
                    t.maxRequestBodyBytes = 1024;
                    t.maxFrameBytes = 1024;
                    t.maxFallbackSessionsPerAddress = 1;
                    t.shutdownTimeout = 0;
                }),
                limited,
                other);
        try (RawHttp slow = RawHttp.raw(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")) {
            assertThat(slow.status()).isEqualTo(408);
        }
        assertThat(rejections("", "request_timeout")).isGreaterThanOrEqualTo(1);

        String body = "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"" + "x".repeat(2000) + "\"}";
        try (RawHttp large = RawHttp.raw(
                server.port(),
                "POST /apps/other/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body)) {
            assertThat(large.status()).isEqualTo(413);
        }
        assertThat(rejections("", "max_request_body_bytes")).isEqualTo(1);

        RawWebSocket ws = keep(server.raw(other));
        ws.established();
        ws.sendText("{\"event\":\"pusher:ping\",\"data\":\"" + "x".repeat(2000) + "\"}");
        assertThat(ws.awaitClose().closeCode()).isEqualTo(1009);
        await().atMost(WAIT).until(() -> rejections("other", "max_frame_bytes") == 1);

        FallbackClient first = keep(FallbackClient.polling(server.port(), other.key()));
        first.established();
        keep(first.receive()); // keeps the session attached
        try (RawHttp refused =
                FallbackClient.polling(server.port(), other.key()).receive()) {
            assertThat(refused.readToEnd()).startsWith("o\nc[4100,\"");
        }
        assertThat(rejections("", "max_fallback_sessions_per_address")).isEqualTo(1);
    }

    @Test
    void idleKeepAliveConnectionsClosedAreCounted() {
        server = TestServer.start(
                s -> TestSettings.change(s, t -> {
                    t.idleTimeout = 1;
                    t.shutdownTimeout = 0;
                }),
                limited);
        try (RawHttp idle = RawHttp.raw(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            assertThat(idle.status()).isEqualTo(200);
            assertThat(idle.closedWithin(WAIT)).isTrue();
        }
        assertThat(rejections("", "idle_timeout")).isGreaterThanOrEqualTo(1);
    }

    private double rejections(String app, String reason) {
        return server.metric("switchboard_limit_rejections_total{app=\"" + app + "\",reason=\"" + reason + "\"}");
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(closeable);
        return closeable;
    }
}
