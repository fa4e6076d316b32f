package io.switchboard.bench.soak;

import io.netty.channel.EventLoop;
import io.switchboard.bench.Payload;
import io.switchboard.bench.RestClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Triggers events on the fan-out channels through {@code POST /apps/{id}/events} at a steady rate
 * per channel. Each channel has one request in flight at a time and numbers its events 1, 2, 3…;
 * a number is used again until the server accepts it (2xx), so the numbers the server accepted
 * have no holes and a subscriber that sees a jump has lost events. A request that failed after the
 * server published it shows up as a repeat, never as a loss.
 *
 * <p>Event {@code k} of a channel is due at {@code start + k / rate} and carries that time, so a
 * server that falls behind shows it as latency instead of as a lower rate. Runs on the REST client's
 * event loop.
 */
final class FanoutPublisher {
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final RestClient rest;
    private final EventLoop loop;
    private final String path;
    private final List<String> channels;
    private final double rate;
    private final int payload;
    private final long[] nextIndex;
    private final AtomicLongArray accepted;
    private final LongAdder apiErrors = new LongAdder();
    private final LongAdder published = new LongAdder();
    private volatile int lastErrorStatus;
    private volatile boolean stopped;
    private long start;

    FanoutPublisher(RestClient rest, String appId, List<String> channels, double ratePerChannel, int payload) {
        this.rest = rest;
        this.loop = rest.loop();
        this.path = "/apps/" + appId + "/events";
        this.channels = List.copyOf(channels);
        this.rate = ratePerChannel;
        this.payload = payload;
        this.nextIndex = new long[channels.size()];
        this.accepted = new AtomicLongArray(channels.size());
    }

    void start() {
        loop.execute(() -> {
            start = System.nanoTime();
            for (int ch = 0; ch < channels.size(); ch++) {
                next(ch);
            }
        });
    }

    /** Sends nothing more; a request in flight still completes. */
    void stop() {
        stopped = true;
    }

    /** The highest sequence number the server accepted on channel {@code ch} (0: none yet). */
    long lastAccepted(int ch) {
        return accepted.get(ch);
    }

    long apiErrors() {
        return apiErrors.sum();
    }

    int lastErrorStatus() {
        return lastErrorStatus;
    }

    /** Events the server accepted. */
    long published() {
        return published.sum();
    }

    private void next(int ch) {
        if (stopped) {
            return;
        }
        // Channels are spread over the interval so that their events do not all leave together.
        long due = start + (long) ((nextIndex[ch] + (double) ch / channels.size()) * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            loop.schedule(() -> send(ch, due), wait, TimeUnit.NANOSECONDS);
        } else {
            send(ch, due);
        }
    }

    private void send(int ch, long due) {
        if (stopped) {
            return;
        }
        long seq = nextIndex[ch] + 1;
        String body = "{\"name\":\"soak\",\"channel\":\"" + channels.get(ch) + "\",\"data\":\""
                + Payload.data(due, seq, payload) + "\"}";
        rest.post(path, body.getBytes(StandardCharsets.UTF_8), (status, sentAt) -> {
            if (status >= 200 && status < 300) {
                accepted.set(ch, seq);
                published.increment();
                nextIndex[ch]++;
                next(ch);
            } else {
                apiErrors.increment();
                lastErrorStatus = status;
                loop.schedule(() -> send(ch, due), RETRY_NANOS, TimeUnit.NANOSECONDS);
            }
        });
    }
}
