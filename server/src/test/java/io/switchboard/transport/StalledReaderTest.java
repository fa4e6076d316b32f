package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pusher.rest.Pusher;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.switchboard.app.App;
import io.switchboard.config.ServerSettings;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that stops reading while events flow to it is closed with 4100 once it has taken
 * nothing for {@code stalled_reader_timeout}, however much the kernel still buffers for it; an idle
 * client and one that reads slowly but steadily stay connected.
 */
class StalledReaderTest {
    private static final int TIMEOUT_SECONDS = 2;
    private static final int SMALL_RECEIVE_BUFFER = 4096;
    private static final String FEED = "feed";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.withLimits(TestApps.app("a"), l -> {
        l.maxPayloadBytes = 256 * 1024;
        return l;
    });
    private final App other = TestApps.app("b");
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /**
     * With epoll the server sees the kernel stop transmitting: the stalled reader is closed while
     * its data still fits in the kernel's buffers and the server's own queue stays empty.
     */
    @Test
    void readerThatStopsIsClosedWhileTheKernelStillTakesWhatItIsSent() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is unavailable here");
        TestServer server = start("epoll");
        Bystanders bystanders = keep(new Bystanders(server, app, other));
        RawClient idle = keep(RawClient.connect(server, app));
        idle.subscribe("quiet");
        Rest.trigger(server.rest(app), "quiet", "once", Map.of());
        idle.expect("once", "quiet");
        RawClient steady = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        steady.subscribe(FEED);
        RawClient stalled = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        stalled.subscribe(FEED);
        WebSocketTransport transport = ServerSide.of(server, app, stalled.socketId());
        SlowReader reader = SlowReader.start(steady.ws());

        // Bursts of ten 2 KiB events, about 25 a second: each burst outgrows the small receive
        // windows, so data waits in the kernel for the slow reader too, until it reads.
        Pusher rest = server.rest(app);
        String data = "x".repeat(2048);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int published = 0;
        while (ServerSide.read(transport, transport::closeCode) == 0) {
            assertThat(System.nanoTime() - deadline)
                    .as("stalled reader closed within 20 s")
                    .isNegative();
            for (int i = 0; i < 10; i++) {
                Rest.trigger(rest, FEED, "tick", Map.of("n", published++, "data", data));
            }
            Thread.sleep(400);
        }

        assertThat(ServerSide.read(transport, transport::closeCode)).isEqualTo(4100);
        assertThat(ServerSide.read(transport, transport::closeReason))
                .isEqualTo("Slow consumer: nothing read for " + TIMEOUT_SECONDS + " s");
        assertThat(ServerSide.read(transport, transport::peakQueuedBytes))
                .as("the server's own queue never reached the high-water mark")
                .isLessThan(ServerSettings.DEFAULTS.writeBufferHighWaterMark());
        Rest.trigger(rest, FEED, "last", Map.of());
        assertThat(reader.ticksUntil("last")).as("every tick, in order").isEqualTo(published);
        steady.expectOnlyPong();
        idle.expectOnlyPong();
        bystanders.stillReceiveEvents();
    }

    /**
     * Data the server could not hand to the kernel and that does not move is seen on every socket
     * implementation, with or without {@code TCP_INFO}. The high-water mark is out of reach here, so
     * only the stalled-reader check can close the client.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void readerThatStopsWhileTheServerQueuesForItIsClosed(String io) throws Exception {
        assumeTrue(!io.equals("epoll") || Epoll.isAvailable(), "epoll is unavailable here");
        assumeTrue(!io.equals("io_uring") || IoUring.isAvailable(), "io_uring is unavailable here");
        TestServer server = start(io, 64 * 1024 * 1024);
        Bystanders bystanders = keep(new Bystanders(server, app, other));
        RawClient idle = keep(RawClient.connect(server, app));
        idle.subscribe("quiet");
        RawClient stalled = keep(RawClient.connect(server, app, SMALL_RECEIVE_BUFFER));
        stalled.subscribe(FEED);
        WebSocketTransport transport = ServerSide.of(server, app, stalled.socketId());

        Pusher rest = server.rest(app);
        String data = "x".repeat(128 * 1024);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ServerSide.read(transport, transport::closeCode) == 0) {
            assertThat(System.nanoTime() - deadline)
                    .as("stalled reader closed within 20 s")
                    .isNegative();
            Rest.trigger(rest, FEED, "big", Map.of("data", data));
            Thread.sleep(50);
        }

        assertThat(ServerSide.read(transport, transport::closeCode)).isEqualTo(4100);
        assertThat(ServerSide.read(transport, transport::closeReason))
                .isEqualTo("Slow consumer: nothing read for " + TIMEOUT_SECONDS + " s");
        assertThat(server.metric("switchboard_limit_rejections_total{app=\"a\",reason=\"stalled_reader_timeout\"}"))
                .isEqualTo(1);
        idle.expectOnlyPong();
        bystanders.stillReceiveEvents();
    }

    private TestServer start(String io) {
        return start(io, ServerSettings.DEFAULTS.writeBufferHighWaterMark());
    }

    private TestServer start(String io, int highWaterMark) {
        return keep(TestServer.start(
                s -> s.change(t -> {
                    t.io = io;
                    t.stalledReaderTimeout = TIMEOUT_SECONDS;
                    t.writeBufferHighWaterMark = highWaterMark;
                    t.writeBufferLowWaterMark = highWaterMark / 2;
                }),
                app,
                other));
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /**
     * Reads one frame every 20 ms on its own thread: slower than a burst arrives, faster than the
     * test publishes on average, so its small receive window keeps closing and opening again.
     */
    private static final class SlowReader {
        private final Thread thread;
        private final List<JsonNode> events = new ArrayList<>();
        private volatile Throwable failure;

        private SlowReader(RawWebSocket ws) {
            this.thread = Thread.ofPlatform().daemon().name("slow-reader").unstarted(() -> read(ws));
        }

        static SlowReader start(RawWebSocket ws) {
            SlowReader reader = new SlowReader(ws);
            reader.thread.start();
            return reader;
        }

        private void read(RawWebSocket ws) {
            try {
                while (true) {
                    JsonNode event =
                            JSON.readTree(ws.nextFrame(Duration.ofSeconds(30)).payload());
                    synchronized (events) {
                        events.add(event);
                    }
                    if (event.path("event").asText().equals("last")) {
                        return;
                    }
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                failure = new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | AssertionError e) {
                failure = e;
            }
        }

        /** Waits for {@code event}, checks the ticks before it came in order, and counts them. */
        int ticksUntil(String event) throws InterruptedException {
            thread.join(30_000);
            assertThat(failure).isNull();
            assertThat(thread.isAlive()).as("the reader got %s", event).isFalse();
            int ticks = 0;
            synchronized (events) {
                assertThat(events.getLast().path("event").asText()).isEqualTo(event);
                for (JsonNode e : events.subList(0, events.size() - 1)) {
                    assertThat(e.path("event").asText()).isEqualTo("tick");
                    assertThat(RawWebSocket.data(e).path("n").asInt()).isEqualTo(ticks++);
                }
            }
            return ticks;
        }
    }
}
