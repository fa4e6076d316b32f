package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import io.switchboard.app.App;
import io.switchboard.config.ServerSettings;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawPusher;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    /** Data of one published event: about 8 KiB on the wire. */
    private static final String FILL = "x".repeat(8 * 1024);

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
    void subscriberThatStopsReadingFannedOutEventsIsClosedAfterTheTimeoutAboveTheHighWaterMark() {
        int timeoutSeconds = 2;
        TestServer server = start(t -> t.slowConsumerTimeout = timeoutSeconds);
        Bystanders bystanders = keep(new Bystanders(server, app, other));
        RawClient subscriber = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        subscriber.subscribe("feed");
        WebSocketTransport transport = ServerSide.of(server, app, subscriber.socketId());
        Pusher rest = server.rest(app);

        // Events one at a time until the queue passes the high-water mark, far below the cap.
        long lastPublished = 0;
        for (int i = 0; ServerSide.read(transport, transport::queuedBytes) <= HIGH_WATER; i++) {
            assertThat(i)
                    .as("events published without passing the high-water mark")
                    .isLessThan(500);
            lastPublished = System.nanoTime();
            Rest.trigger(rest, "feed", "e" + i, Map.of("fill", FILL));
        }
        assertThat(ServerSide.read(transport, transport::queuedBytes)).isLessThan(CAP / 2);

        await().atMost(Duration.ofSeconds(20)).until(() -> ServerSide.read(transport, transport::closeCode) != 0);
        assertThat(Duration.ofNanos(System.nanoTime() - lastPublished))
                .as("not closed before slow_consumer_timeout")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(timeoutSeconds));
        assertThat(ServerSide.read(transport, transport::closeCode)).isEqualTo(4100);
        assertThat(ServerSide.read(transport, transport::closeReason)).isEqualTo("Slow consumer: not reading");
        assertThat(server.metric("switchboard_limit_rejections_total{app=\"a\",reason=\"slow_consumer_timeout\"}"))
                .isEqualTo(1);
        bystanders.stillReceiveEvents();
    }

    /**
     * Between the marks a client still counts as slow. The kernel takes what waits in large steps
     * once the client reads (a third of its send buffer, up to megabytes), so the marks are set far
     * enough apart here for a step to end between them.
     */
    @Test
    void subscriberThatCatchesUpBelowTheHighButNotTheLowWaterMarkIsStillClosedAfterTheTimeout() {
        int high = 4 << 20;
        int low = 1 << 20;
        TestServer server = keep(TestServer.start(
                s -> TestSettings.change(s, t -> {
                    t.writeBufferHighWaterMark = high;
                    t.writeBufferLowWaterMark = low;
                    t.slowConsumerTimeout = 5;
                }),
                app));
        RawClient subscriber = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        subscriber.subscribe("feed");
        WebSocketTransport transport = ServerSide.of(server, app, subscriber.socketId());
        Pusher rest = server.rest(app);
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(new Event("feed", "e", Map.of("fill", FILL)));
        }
        for (int i = 0; ServerSide.read(transport, transport::queuedBytes) <= high; i++) {
            assertThat(i)
                    .as("batches published without passing the high-water mark")
                    .isLessThan(500);
            assertThat(rest.trigger(batch).getHttpStatus()).isEqualTo(200);
        }

        // Take events one by one until the server holds less than the high-water mark for it.
        long[] state = {Long.MAX_VALUE, 0}; // queued bytes, close code
        for (int taken = 0; state[0] >= high; taken++) {
            assertThat(taken)
                    .as("events taken without the queue going below the high-water mark")
                    .isLessThan(5000);
            subscriber.ws().nextFrame(RawPusher.WAIT);
            state = ServerSide.read(transport, () -> new long[] {transport.queuedBytes(), transport.closeCode()});
        }
        assertThat(state[1]).as("still open when below the high-water mark").isZero();
        assertThat(state[0]).as("above the low-water mark").isGreaterThan(low);

        await().atMost(Duration.ofSeconds(20)).until(() -> ServerSide.read(transport, transport::closeCode) != 0);
        assertThat(ServerSide.read(transport, transport::closeCode)).isEqualTo(4100);
        assertThat(ServerSide.read(transport, transport::closeReason))
                .as("not caught up until below the low-water mark")
                .isEqualTo("Slow consumer: not reading");
    }

    @Test
    void subscriberWithFourTimesTheHighWaterMarkQueuedIsClosedAtOnce() {
        TestServer server = start(t -> t.slowConsumerTimeout = 600);
        Bystanders bystanders = keep(new Bystanders(server, app, other));
        RawClient subscriber = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        subscriber.subscribe("feed");
        WebSocketTransport transport = ServerSide.of(server, app, subscriber.socketId());
        Pusher rest = server.rest(app);

        for (int i = 0; ServerSide.read(transport, transport::closeCode) == 0; i++) {
            assertThat(i).as("events published without a close").isLessThan(500);
            Rest.trigger(rest, "feed", "e" + i, Map.of("fill", FILL));
        }

        assertThat(ServerSide.read(transport, transport::closeCode)).isEqualTo(4100);
        assertThat(ServerSide.read(transport, transport::closeReason))
                .as("closed by the cap, long before slow_consumer_timeout")
                .isEqualTo("Slow consumer: too much data queued");
        assertThat(ServerSide.read(transport, transport::peakQueuedBytes))
                .isGreaterThan(3L * HIGH_WATER)
                .isLessThanOrEqualTo(CAP);
        assertThat(server.metric(
                        "switchboard_limit_rejections_total{app=\"a\",reason=\"write_buffer_high_water_mark\"}"))
                .isEqualTo(1);
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
