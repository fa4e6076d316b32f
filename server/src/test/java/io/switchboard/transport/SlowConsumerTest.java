package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.config.ServerSettings;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that do not read what the server sends them cost it at most four times the write-buffer
 * high-water mark each, and are closed with 4100 (pusher-protocol.md §3): whatever the server
 * writes, fanned-out events or its answers to the client's own frames.
 */
class SlowConsumerTest {
    private static final int HIGH_WATER = 128 * 1024;
    private static final long CAP = 4L * HIGH_WATER;
    private static final int SMALL_RECEIVE_BUFFER = 4096;

    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void clientThatFloodsButNeverReadsIsNoLongerReadAndIsClosedWith4100() {
        TestServer server = start(t -> t.slowConsumerTimeout = 2);
        Bystanders bystanders = keep(new Bystanders(server, app, other));
        RawClient flooder = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        WebSocketTransport transport = ServerSide.of(server, app, flooder.socketId());

        keep(Flood.of(flooder.ws()));

        await().atMost(Duration.ofSeconds(20)).until(() -> ServerSide.read(transport, transport::readPauses) > 0);
        bystanders.stillReceiveEvents();
        await().atMost(Duration.ofSeconds(20)).until(() -> ServerSide.read(transport, transport::closeCode) != 0);
        assertThat(ServerSide.read(transport, transport::closeCode)).isEqualTo(4100);
        assertThat(ServerSide.read(transport, transport::closeReason))
                .as("paused below the cap until slow_consumer_timeout, not stopped by the cap")
                .isEqualTo("Slow consumer: not reading");
        assertThat(server.metric("switchboard_limit_rejections_total{app=\"a\",reason=\"slow_consumer_timeout\"}"))
                .isEqualTo(1);
        assertThat(ServerSide.read(transport, transport::peakQueuedBytes)).isLessThanOrEqualTo(CAP);
        bystanders.stillReceiveEvents();
    }

    @Test
    void clientWhoseReadingIsPausedIsClosedAsASlowConsumerNotAsSilent() {
        TestServer server = start(t -> {
            t.slowConsumerTimeout = 4;
            t.activityTimeout = 1;
            t.pongTimeout = 1;
        });
        Bystanders bystanders = keep(Bystanders.answeringPings(server, app, other));
        RawClient flooder = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        WebSocketTransport transport = ServerSide.of(server, app, flooder.socketId());

        keep(Flood.of(flooder.ws()));

        await().atMost(Duration.ofSeconds(20)).until(() -> ServerSide.read(transport, transport::closeCode) != 0);
        assertThat(ServerSide.read(transport, transport::closeCode)).isEqualTo(4100);
        bystanders.stillReceiveEvents();
    }

    @Test
    void clientThatReadsAgainIsAnsweredInFullAndInOrder() throws Exception {
        TestServer server = start(t -> t.slowConsumerTimeout = 60);
        Bystanders bystanders = keep(new Bystanders(server, app, other));
        RawClient client = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        WebSocketTransport transport = ServerSide.of(server, app, client.socketId());
        int frames = 40_000;
        List<String> burst = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            burst.add("{\"event\":\"x" + i + "\"}");
        }
        burst.add("{\"event\":\"pusher:ping\"}");
        Thread writer = Thread.ofPlatform().daemon().start(() -> client.ws().sendTextsAtOnce(burst));

        await().atMost(Duration.ofSeconds(20)).until(() -> ServerSide.read(transport, transport::readPauses) > 0);
        bystanders.stillReceiveEvents();
        for (int i = 0; i < frames; i++) {
            assertThat(client.expectError().path("message").asText())
                    .isEqualTo("Unsupported event received on socket: x" + i);
        }
        client.expect("pusher:pong");
        writer.join(10_000);
        client.expectOnlyPong();
        assertThat(ServerSide.read(transport, transport::peakQueuedBytes)).isLessThanOrEqualTo(CAP);
        bystanders.stillReceiveEvents();
    }

    private TestServer start(Consumer<ServerSettings.Copy> change) {
        return keep(TestServer.start(
                s -> TestSettings.change(s, t -> {
                    t.writeBufferHighWaterMark = HIGH_WATER;
                    t.writeBufferLowWaterMark = HIGH_WATER / 2;
                    change.accept(t);
                }),
                app,
                other));
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /**
     * Sends small frames with an unknown event, each answered with a {@code pusher:error} several
     * times its size, as fast as the server takes them, until the connection breaks or the test
     * ends. Never reads.
     */
    private record Flood(RawWebSocket ws, Thread thread) implements AutoCloseable {
        static Flood of(RawWebSocket ws) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add("{\"event\":\"x\"}");
            }
            Thread thread = Thread.ofPlatform().daemon().name("flood").start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        ws.sendTextsAtOnce(batch);
                    }
                } catch (UncheckedIOException closed) {
                    // the server closed the connection
                }
            });
            return new Flood(ws, thread);
        }

        @Override
        public void close() {
            ws.close(); // unblocks a write the server no longer reads
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
