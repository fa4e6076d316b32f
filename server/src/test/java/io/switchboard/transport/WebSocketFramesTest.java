package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WebSocket framing (RFC 6455) as the transport enforces it, and its limits. */
class WebSocketFramesTest {
    private static final int CONTINUATION = 0;

    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(app, other);

    private final Bystanders bystanders = new Bystanders(server, app, other);

    @AfterEach
    void stop() {
        bystanders.close();
    }

    @Test
    void binaryFramesAreIgnored() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.BINARY, "{\"event\":\"pusher:ping\"}".getBytes(), true);

            client.expectOnlyPong();
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void invalidUtf8TextClosesWith1007() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.TEXT, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, true);

            assertThat(client.awaitCloseCode()).isEqualTo(1007);
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsClosesWith1007() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.TEXT, new byte[] {'{', (byte) 0xC3}, false);
            client.ws().sendFrame(CONTINUATION, new byte[] {(byte) 0x28, '}'}, true);

            assertThat(client.awaitCloseCode()).isEqualTo(1007);
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void aReplacementCharacterTheClientSendsIsValidText() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.TEXT, utf8("{\"event\":\"pusher:ping\",\"data\":\"\uFFFD\"}"), true);

            client.expect("pusher:pong");
        }
    }

    @Test
    void frameOverTheSizeLimitClosesWith1009() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.TEXT, pingPaddedTo(64 * 1024 + 1), true);

            assertThat(client.awaitCloseCode()).isEqualTo(1009);
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void frameAtTheSizeLimitIsAccepted() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.TEXT, pingPaddedTo(64 * 1024), true);

            client.expect("pusher:pong");
        }
    }

    @Test
    void fragmentedMessageIsReassembled() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.TEXT, utf8("{\"event\":\"pusher:subscribe\","), false);
            client.ws().sendFrame(RawWebSocket.PING, utf8("mid-message"), true);
            client.ws().sendFrame(CONTINUATION, utf8("\"data\":{\"channel\":"), false);
            client.ws().sendFrame(CONTINUATION, utf8("\"news\"}}"), true);

            RawWebSocket.Frame pong = client.ws().nextFrame();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(pong.text()).isEqualTo("mid-message");
            client.expectSubscribed("news");
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void fragmentedMessageOverTheSizeLimitIsRefused() {
        try (RawClient client = RawClient.connect(server, app)) {
            byte[] half = new byte[40 * 1024];
            Arrays.fill(half, (byte) ' ');
            client.ws().sendFrame(RawWebSocket.TEXT, half, false);
            client.ws().sendFrame(CONTINUATION, half, true);

            assertThat(client.awaitCloseCode()).isEqualTo(1009);
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void anUnmaskedFrameClosesWith1002() {
        try (RawClient client = RawClient.connect(server, app)) {
            byte[] ping = utf8("{\"event\":\"pusher:ping\"}");
            byte[] frame = new byte[2 + ping.length];
            frame[0] = (byte) 0x81;
            frame[1] = (byte) ping.length;
            System.arraycopy(ping, 0, frame, 2, ping.length);
            client.ws().sendBytes(frame);

            RawWebSocket.Frame close = client.ws().awaitClose();
            assertThat(close.closeCode()).isEqualTo(1002);
            assertThat(close.closeReason()).isEqualTo("Client frame not masked");
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void aReservedOpcodeClosesWith1002() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(3, utf8("{}"), true);

            assertThat(client.awaitCloseCode()).isEqualTo(1002);
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void aFrameHeaderOverTheSizeLimitClosesWith1009BeforeThePayloadArrives() {
        try (RawClient client = RawClient.connect(server, app)) {
            // A 1 GiB text frame's header and mask, and nothing of its payload.
            client.ws().sendBytes(new byte[] {(byte) 0x81, (byte) 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4});

            assertThat(client.awaitCloseCode()).isEqualTo(1009);
            bystanders.stillReceiveEvents();
        }
    }

    @Test
    void theClientsCloseStatusIsAnsweredWithTheSame() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.ws().sendFrame(RawWebSocket.CLOSE, new byte[] {0x0F, (byte) 0xA1, 'b', 'y', 'e'}, true);

            assertThat(client.awaitCloseCode()).isEqualTo(4001);
        }
    }

    /** A {@code pusher:ping} padded with spaces to exactly {@code size} bytes. */
    private static byte[] pingPaddedTo(int size) {
        byte[] ping = utf8("{\"event\":\"pusher:ping\"}");
        byte[] frame = new byte[size];
        Arrays.fill(frame, (byte) ' ');
        System.arraycopy(ping, 0, frame, 0, ping.length);
        return frame;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
