package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.switchboard.app.App;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.LogCapture;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A plain WebSocket on epoll is driven on its socket ({@link EpollWire}) once its upgrade is done.
 * What its Netty channel did for it, it still does: other socket implementations and TLS keep the
 * channel ({@link IoTransportsTest}, {@link TlsTest}); the slow-consumer, stalled-reader, liveness
 * and handshake tests run on this wire by default.
 */
class EpollWireTest {
    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");

    @BeforeAll
    static void epoll() {
        assumeTrue(Epoll.isAvailable(), "epoll is unavailable here");
    }

    @Test
    void clientsThatGoAwayWithoutACloseFrameAreClosedAndEveryoneElseKeepsGoing() {
        try (TestServer server = TestServer.start(s -> TestSettings.io(s, "epoll"), app, other);
                Bystanders bystanders = new Bystanders(server, app, other);
                RawClient finished = RawClient.connect(server, app);
                RawClient reset = RawClient.connect(server, app);
                RawClient staying = RawClient.connect(server, app)) {
            for (RawClient c : List.of(finished, reset, staying)) {
                c.subscribe("news");
            }
            WebSocketTransport transport = ServerSide.of(server, app, staying.socketId());
            assertThat(ServerSide.<Object>read(transport, transport::wire)).isInstanceOf(EpollWire.class);
            int before = server.server().connections().count(app.id());

            finished.ws().close(); // FIN, no close frame
            reset.ws().reset(); // RST

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> server.server().connections().count(app.id()) == before - 2);
            Rest.trigger(server.rest(app), "news", "after", Map.of());
            staying.expect("after", "news");
            bystanders.stillReceiveEvents();
        }
    }

    /**
     * Clients that send their upgrade request, sometimes with a bad frame behind it, and reset at
     * once: the hang-up often arrives with the request, and the channel handles it after the
     * upgrade has handed the socket over. Nothing may fail on the event loop (an exception there
     * stalls it for a second), no connection may be left behind, and the next client is served.
     */
    @Test
    void clientsThatResetRightAfterTheirUpgradeRequestLeaveNothingBehind() throws Exception {
        byte[] request = ("GET /app/" + app.key() + "?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] unmasked = {(byte) 0x81, 5, 'h', 'e', 'l', 'l', 'o'}; // a protocol error: 1002
        try (TestServer server = TestServer.start(
                        s -> TestSettings.change(TestSettings.io(s, "epoll"), t -> t.ioThreads = 1), app);
                LogCapture netty = LogCapture.of("io.netty")) {
            for (int i = 0; i < 400; i++) {
                try (Socket socket = new Socket("127.0.0.1", server.port())) {
                    socket.setSoLinger(true, 0);
                    OutputStream out = socket.getOutputStream();
                    out.write(i % 2 == 0 ? request : concat(request, unmasked));
                    out.flush();
                }
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> server.server().connections().count(app.id()) == 0);
            try (RawClient next = RawClient.connect(server, app)) {
                next.subscribe("news");
                Rest.trigger(server.rest(app), "news", "after", Map.of());
                next.expect("after", "news");
            }
            assertThat(netty.lines()).as("nothing failed in Netty's event loop").isEmpty();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * A client that sends and never reads fills the server's queue for it, and the server stops
     * reading it and waits for the kernel to take more. When the client then resets its connection,
     * the reset is seen at once, not when the slow-consumer timeout (a minute here) runs out, and
     * what was queued for it is let go.
     */
    @Test
    void aClientResettingWhileItIsNotReadIsClosedAtOnce() throws Exception {
        try (TestServer server = TestServer.start(
                        s -> TestSettings.change(TestSettings.io(s, "epoll"), t -> {
                            t.writeBufferHighWaterMark = 64 * 1024;
                            t.writeBufferLowWaterMark = 32 * 1024;
                            t.slowConsumerTimeout = 60;
                        }),
                        app,
                        other);
                Bystanders bystanders = new Bystanders(server, app, other);
                RawClient flooder = RawClient.connect(server, app, 4096)) {
            WebSocketTransport transport = ServerSide.of(server, app, flooder.socketId());
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add("{\"event\":\"x\"}"); // each answered with a pusher:error several times its size
            }
            Thread flood = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        flooder.ws().sendTextsAtOnce(batch);
                    }
                } catch (UncheckedIOException closed) {
                    // the connection is gone
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> ServerSide.read(transport, transport::readPauses) > 0);

            flooder.ws().reset();
            flood.interrupt();

            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerSide.read(transport, transport::isOpen));
            assertThat(ServerSide.read(transport, transport::queuedBytes)).isZero();
            flood.join(10_000);
            bystanders.stillReceiveEvents();
        }
    }
}
