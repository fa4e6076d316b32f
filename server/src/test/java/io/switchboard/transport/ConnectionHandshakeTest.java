package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectionHandshakeTest {
    private final App app = TestApps.app("a");
    private final App disabled = TestApps.disabled(TestApps.app("off"));

    @RegisterExtension
    final TestServer server = TestServer.start(app, disabled);

    @Test
    void sendsConnectionEstablishedFirstWithSocketIdAndActivityTimeout() {
        try (RawWebSocket ws = server.raw(app)) {
            assertThat(ws.status()).isEqualTo(101);
            JsonNode event = ws.nextEvent();
            assertThat(event.path("event").asText()).isEqualTo("pusher:connection_established");
            assertThat(event.get("data").isTextual())
                    .as("data is a JSON string")
                    .isTrue();
            JsonNode data = RawWebSocket.data(event);
            assertThat(data.path("socket_id").asText()).matches("\\d+\\.\\d+");
            assertThat(data.path("activity_timeout").asInt()).isEqualTo(120);
        }
    }

    @Test
    void acceptsProtocolsFourToSeven() {
        for (int protocol = 4; protocol <= 7; protocol++) {
            try (RawWebSocket ws = server.raw("/app/" + app.key() + "?protocol=" + protocol)) {
                assertThat(ws.established()).matches("\\d+\\.\\d+");
            }
        }
    }

    @Test
    void closesWith4007ForUnsupportedProtocol() {
        assertRefused("/app/" + app.key() + "?protocol=3", 4007);
        assertRefused("/app/" + app.key() + "?protocol=8", 4007);
        assertRefused("/app/" + app.key() + "?protocol=seven", 4007);
    }

    @Test
    void closesWith4008WithoutProtocol() {
        assertRefused("/app/" + app.key(), 4008);
    }

    @Test
    void closesWith4001ForUnknownKey() {
        assertRefused("/app/nope?protocol=7", 4001);
    }

    @Test
    void closesWith4003ForDisabledApp() {
        assertRefused("/app/" + disabled.key() + "?protocol=7", 4003);
    }

    @Test
    void socketIdsAreUnique() {
        try (RawWebSocket a = server.raw(app);
                RawWebSocket b = server.raw(app)) {
            assertThat(a.established()).isNotEqualTo(b.established());
        }
    }

    private void assertRefused(String path, int code) {
        try (RawWebSocket ws = server.raw(path)) {
            assertThat(ws.status()).as("upgrade completes before refusing").isEqualTo(101);
            JsonNode error = ws.nextEvent();
            assertThat(error.path("event").asText()).isEqualTo("pusher:error");
            assertThat(RawWebSocket.data(error).path("code").asInt()).isEqualTo(code);
            RawWebSocket.Frame close = ws.awaitClose();
            assertThat(close.closeCode()).isEqualTo(code);
        }
    }
}
