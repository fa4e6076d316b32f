package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.data.PresenceUser;
import io.switchboard.app.App;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code server.fallback_disconnect_delay}: how long an HTTP fallback session may go without a
 * receive request before it counts as disconnected, counted from the moment its last poll was
 * answered or its stream's connection dropped.
 */
class FallbackDisconnectTest {
    private App app = TestApps.app("a");
    private TestServer server;

    private void start(int disconnectDelay) {
        server = TestServer.start(
                s -> TestSettings.change(s, t -> {
                    t.fallbackDisconnectDelay = disconnectDelay;
                    t.shutdownTimeout = 0;
                }),
                app);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void presenceMembersSeeAFallbackClientLeaveAfterTheDisconnectDelay() {
        start(1);
        String channel = "presence-room";
        try (RawWebSocket watcher = server.raw(app)) {
            String watcherId = watcher.established();
            watcher.send(subscribe(channel, presenceAuth(watcherId, channel, "watcher")));
            watcher.awaitEvent("pusher_internal:subscription_succeeded");

            FallbackClient client = FallbackClient.streaming(server.port(), app.key());
            String socketId = client.established();
            client.send(subscribe(channel, presenceAuth(socketId, channel, "leaver")));
            client.awaitEvent("pusher_internal:subscription_succeeded");
            watcher.awaitEvent("pusher_internal:member_added");

            client.close(); // the tab went away

            JsonNode removed = watcher.nextEvent(Duration.ofSeconds(5));
            assertThat(removed.path("event").asText()).isEqualTo("pusher_internal:member_removed");
            assertThat(RawWebSocket.data(removed).path("user_id").asText()).isEqualTo("leaver");
        }
    }

    /**
     * A poll that replaces a held one answers the old one at once; the delay of the session must
     * still count from when the new poll is answered, not from the old answer.
     */
    @Test
    void aPollThatReplacesAHeldOneDoesNotShortenTheDelayAfterIt() throws Exception {
        start(3);
        try (FallbackClient client = FallbackClient.polling(server.port(), app.key())) {
            String socketId = client.established();
            client.send(subscribe("news", null));
            client.awaitEvent("pusher_internal:subscription_succeeded");

            try (RawHttp first = client.receive()) {
                assertThat(first.silentFor(Duration.ofMillis(500))).as("held").isTrue();
                RawHttp second = client.receive();
                assertThat(first.readToEnd()).as("replaced by the second poll").isEqualTo("h\n");
                Thread.sleep(2000);
                server.rest(app).trigger("news", "update", Map.of());
                assertThat(second.readToEnd()).contains("update");
                second.close();
            }
            Thread.sleep(2000); // the client is busy: 4 s after the first answer, 2 s after the last

            try (RawHttp next = client.receive()) {
                assertThat(client.send("{\"event\":\"pusher:ping\",\"data\":{}}"))
                        .as("the session is still there")
                        .isBetween(200, 204);
                assertThat(next.readToEnd()).contains("pusher:pong");
            }
            assertThat(server.server().connections().all())
                    .extracting(c -> c.socketId())
                    .containsExactly(socketId);
        }
    }

    /**
     * A large batch takes a slow client a while to receive, and it can only poll again once it has:
     * the delay counts from when the answer has been written out, not from when it was started.
     */
    @Test
    void theDelayStartsWhenABigAnswerHasBeenWrittenOut() throws Exception {
        app = TestApps.withLimits(app, l -> {
            l.maxPayloadBytes = 600 * 1024;
            return l;
        });
        server = TestServer.start(
                s -> TestSettings.change(s, t -> {
                    t.fallbackDisconnectDelay = 5;
                    t.writeBufferHighWaterMark = 8 * 1024 * 1024;
                    t.writeBufferLowWaterMark = 4 * 1024 * 1024;
                    t.shutdownTimeout = 0;
                }),
                app);
        try (FallbackClient client = FallbackClient.polling(server.port(), app.key())) {
            String socketId = client.established();
            client.send(subscribe("bulk", null));
            client.awaitEvent("pusher_internal:subscription_succeeded");
            String filler = "x".repeat(512 * 1024);
            for (int i = 0; i < 16; i++) { // 8 MiB: more than the kernel buffers hold (4 MiB or so)
                SignedHttp.Reply reply = SignedHttp.to(server, app)
                        .post("/events", "{\"name\":\"chunk\",\"channel\":\"bulk\",\"data\":\"" + filler + "\"}")
                        .send();
                assertThat(reply.status()).isEqualTo(200);
            }

            try (RawHttp big = client.receive()) {
                assertThat(big.status()).isEqualTo(200);
                Thread.sleep(6000); // longer than the delay before reading on
                assertThat(big.readToEnd(Duration.ofSeconds(10)).length()).isGreaterThan(8 * 1024 * 1024);
            }
            try (RawHttp next = client.receive()) {
                assertThat(client.send("{\"event\":\"pusher:ping\",\"data\":{}}"))
                        .isBetween(200, 204);
                assertThat(next.readToEnd()).as("the same session").contains("pusher:pong");
            }
            assertThat(server.server().connections().all())
                    .extracting(c -> c.socketId())
                    .containsExactly(socketId);
        }
    }

    private String presenceAuth(String socketId, String channel, String userId) {
        return server.rest(app).authenticate(socketId, channel, new PresenceUser(userId, Map.of("name", userId)));
    }

    private static String subscribe(String channel, String authJson) {
        String auth = authJson == null ? "" : "," + authJson.substring(1, authJson.length() - 1);
        return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"" + auth + "}}";
    }
}
