package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How many HTTP fallback sessions one client can hold: one per connection, a cap per address. */
class FallbackSessionLimitsTest {
    private static final String PING = "{\"event\":\"pusher:ping\",\"data\":{}}";

    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(
            s -> TestSettings.change(s, t -> {
                t.fallbackDisconnectDelay = 1;
                t.maxFallbackSessionsPerAddress = 3;
                t.shutdownTimeout = 0;
            }),
            app,
            other);

    private final Bystanders bystanders = new Bystanders(server, app, other);

    @AfterEach
    void stop() {
        bystanders.close();
    }

    /**
     * Receive requests for other sessions pipelined behind an open stream are not read while it is
     * open, so one connection carries one session; closing it ends that session after the
     * disconnect delay.
     */
    @Test
    void pipelinedReceiveRequestsOpenOnlyTheFirstSessionOnAConnection() {
        List<FallbackClient> clients = new ArrayList<>();
        StringBuilder pipelined = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            FallbackClient client = FallbackClient.streaming(server.port(), app.key());
            clients.add(client);
            pipelined.append(client.receiveRequestText());
        }
        try (RawHttp connection = RawHttp.raw(server.port(), pipelined.toString())) {
            assertThat(connection.status()).isEqualTo(200);
            assertThat(connection.nextLine()).isEqualTo("h".repeat(2048));
            assertThat(connection.nextLine()).isEqualTo("o");
            assertThat(connection.nextLine()).contains("connection_established");

            try (FallbackClient fence = FallbackClient.streaming(server.port(), app.key())) {
                fence.established();
                assertThat(fallbackSessions())
                        .as("the first pipelined session and the fence")
                        .isEqualTo(2);
                for (FallbackClient later : clients.subList(1, clients.size())) {
                    assertThat(later.send(PING)).as("never opened").isEqualTo(404);
                }
                assertThat(clients.get(0).send(PING)).isBetween(200, 204);
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(fallbackSessions()).isZero());
        bystanders.stillReceiveEvents();
    }

    /**
     * Over {@code max_fallback_sessions_per_address} a new session is opened and closed with 4100
     * (over capacity: pusher-js retries after a second), and one ending frees its place.
     */
    @Test
    void sessionsOverThePerAddressCapAreRefusedWith4100() {
        List<FallbackClient> open = new ArrayList<>();
        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                FallbackClient client = FallbackClient.polling(server.port(), app.key());
                client.established();
                open.add(client);
                held.add(client.receive()); // keeps the session attached
            }
            try (RawHttp refused =
                    FallbackClient.polling(server.port(), other.key()).receive()) {
                assertThat(refused.status()).isEqualTo(200);
                assertThat(refused.readToEnd()).startsWith("o\nc[4100,\"");
            }
            assertThat(fallbackSessions()).isEqualTo(3);

            held.remove(0).close(); // that session ends after the disconnect delay

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawHttp admitted =
                        FallbackClient.polling(server.port(), app.key()).receive()) {
                    assertThat(admitted.readToEnd()).isEqualTo("o\n");
                }
            });
            bystanders.stillReceiveEvents();
        } finally {
            held.forEach(RawHttp::close);
            open.forEach(FallbackClient::close);
        }
    }

    /** Connections over the HTTP fallback (the bystanders are WebSockets). */
    private long fallbackSessions() {
        return server.server().connections().all().stream()
                .filter(c -> !c.transport().kind().equals("websocket"))
                .count();
    }
}
