package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Graceful stop (pusher-protocol.md §6: 4200 means "reconnect immediately"). */
class ServerShutdownTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @Test
    void stopSendsError4200AndClosesWith4200() throws Exception {
        try (RawClient first = RawClient.connect(server, app);
                RawClient second = RawClient.connect(server, app)) {
            first.subscribe("news");

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);

            for (RawClient client : new RawClient[] {first, second}) {
                assertThat(client.expectError().path("code").asInt()).isEqualTo(4200);
                RawWebSocket.Frame close = client.ws().awaitClose();
                assertThat(close.closeCode()).isEqualTo(4200);
                client.ws().sendFrame(RawWebSocket.CLOSE, close.payload(), true);
            }
            stopping.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void spreadsTheClosesOverShutdownSpread() throws Exception {
        int clients = 20;
        try (TestServer spreading = TestServer.start(s -> TestSettings.change(s, t -> t.shutdownSpread = 2), app)) {
            List<RawClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    open.add(RawClient.connect(spreading, app));
                }
                long start = System.nanoTime();
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(spreading::close);

                // The last slice leaves no earlier than 1.9 s after the first: without the spread every
                // client has its 4200 within milliseconds.
                for (RawClient client : open) {
                    assertThat(client.expectError().path("code").asInt()).isEqualTo(4200);
                }
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                        .as("time until every client was told")
                        .isBetween(1800L, 10_000L);
                stopping.get(10, TimeUnit.SECONDS);
            } finally {
                open.forEach(RawClient::close);
            }
        }
    }

    @Test
    void javaClientIsToldToReconnect() throws Exception {
        try (SdkClient client = SdkClient.connect(server, app)) {
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);

            assertThat(client.awaitError()).startsWith("4200 ");
            stopping.get(10, TimeUnit.SECONDS);
        }
    }
}
