package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.client.connection.ConnectionState;
import io.switchboard.app.App;
import io.switchboard.config.ServerSettings;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Liveness checks with WebSocket control pings (pusher-protocol.md §1.4). */
class LivenessTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(LivenessTest::oneSecondTimeouts, app);

    @Test
    void silentClientIsPingedAndClosedWith4201WhenNoPongComes() {
        try (RawClient client = RawClient.connect(server, app)) {
            assertThat(client.ws().nextFrame().opcode()).isEqualTo(RawWebSocket.PING);

            assertThat(client.expectError().path("code").asInt()).isEqualTo(4201);
            assertThat(client.awaitCloseCode()).isEqualTo(4201);
        }
    }

    @Test
    void clientThatAnswersPingsStaysConnected() {
        try (RawClient client = RawClient.connect(server, app)) {
            for (int round = 0; round < 2; round++) {
                RawWebSocket.Frame ping = client.ws().nextFrame();
                assertThat(ping.opcode()).isEqualTo(RawWebSocket.PING);
                client.ws().sendFrame(RawWebSocket.PONG, ping.payload(), true);
            }

            client.expectOnlyPong();
        }
    }

    @Test
    void javaClientAnswersControlPingsAndStaysConnected() {
        try (SdkClient sdk = SdkClient.connect(server, app).subscribe("news");
                RawClient silent = RawClient.connect(server, app)) {
            silent.ws().nextFrame();

            // The SDK connected first: by the time the silent client is dropped, it has been
            // pinged and judged as well.
            assertThat(silent.awaitCloseCode()).isEqualTo(4201);
            assertThat(sdk.pusher().getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);
            Rest.trigger(server.rest(app), "news", "headline", Map.of());
            sdk.awaitEvent("news", "headline");
        }
    }

    private static ServerSettings oneSecondTimeouts(ServerSettings s) {
        return TestSettings.change(s, t -> {
            t.activityTimeout = 1;
            t.pongTimeout = 1;
        });
    }
}
