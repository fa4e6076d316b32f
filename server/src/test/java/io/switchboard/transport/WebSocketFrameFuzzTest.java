package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.switchboard.app.App;
import io.switchboard.connection.Connections;
import io.switchboard.testing.ErrorLog;
import io.switchboard.testing.NettyLeaks;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * WebSocket frames from fuzz input (text frames holding client messages or any bytes, binary,
 * control and continuation frames, fragmented or not) on a real connection: what a text frame
 * becomes after {@code WebSocketReader} and {@code WebSocketTransport}.
 *
 * <p>Fails on anything logged at ERROR or warned by Netty (an exception nobody handled), on a
 * change to a second app's connections or anything reaching its subscribed client, on a server
 * that stops answering, on a connection of the fuzzed app not cleaned up after it closed, and on a
 * Netty leak report. Inputs: {@code WebSocketFrameFuzzTestInputs/frames/}.
 */
class WebSocketFrameFuzzTest {
    private static final App FUZZ = TestApps.app("fuzz");
    private static final App BYSTANDER = TestApps.app("bystander");
    private static final String[] EVENTS = {
        "pusher:subscribe", "pusher:unsubscribe", "pusher:ping", "pusher:pong", "pusher:signin", "client-event", "x"
    };
    private static final int[] OPCODES = {
        RawWebSocket.TEXT,
        RawWebSocket.TEXT,
        RawWebSocket.TEXT,
        RawWebSocket.BINARY,
        0,
        RawWebSocket.PING,
        RawWebSocket.PONG,
        RawWebSocket.CLOSE,
        3,
        11
    };

    private static TestServer server;
    private static RawWebSocket bystander;
    private static Connections.Insight before;
    private static int inputs;

    @BeforeAll
    static void start() {
        NettyLeaks.track();
        server = TestServer.start(FUZZ, BYSTANDER);
        bystander = server.raw(BYSTANDER);
        bystander.established();
        bystander.subscribe("news");
        before = server.server().connections().insight(BYSTANDER.id());
        ErrorLog.watch();
    }

    @AfterAll
    static void stop() {
        bystander.close();
        server.close();
        NettyLeaks.assertNone();
    }

    @DictionaryEntries({"{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}", "client-", "presence-"})
    @FuzzTest
    void frames(FuzzedDataProvider data) {
        // Jazzer's request-forgery detector refuses connections unless they are allowed.
        SilentCloseable loopback = BugDetectors.allowNetworkConnections((host, port) -> port == server.port());
        try {
            try (RawWebSocket ws = server.raw(FUZZ)) {
                ws.established();
                int n = data.consumeInt(1, 4);
                for (int i = 0; i < n; i++) {
                    int opcode = data.pickValue(OPCODES);
                    boolean fin = data.consumeInt(0, 4) > 0;
                    byte[] payload = opcode == RawWebSocket.TEXT && data.consumeBoolean()
                            ? FuzzedClientMessages.message(data, EVENTS).getBytes(StandardCharsets.UTF_8)
                            : data.consumeBytes(data.consumeInt(0, 200));
                    ws.sendFrame(opcode, payload, fin);
                }
                // Whatever the server answers (errors, a close frame) is read and dropped.
                ws.isClosedByServer(Duration.ofMillis(5));
            } catch (UncheckedIOException e) {
                // The server closed the connection on a frame it does not accept.
            }
            if (++inputs % 64 == 0) {
                assertThat(server.httpStatus("/"))
                        .as("the server still answers")
                        .isEqualTo(200);
            }
        } finally {
            loopback.close();
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1))
                .untilAsserted(() -> assertThat(server.server().connections().count(FUZZ.id()))
                        .as("open connections of the fuzzed app after its client left")
                        .isZero());
        bystander.expectSilence(Duration.ofMillis(1));
        assertThat(server.server().connections().insight(BYSTANDER.id()))
                .as("the other app's connections")
                .isEqualTo(before);
        ErrorLog.assertNone();
        NettyLeaks.assertNoneAfterInput();
    }
}
