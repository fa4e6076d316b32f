package io.switchboard.bench;

import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Sends REST triggers at a fixed rate (open loop) and meters what the subscribers receive. Each
 * event is stamped with the time it was <em>due</em> to be sent, not when a connection was free to
 * send it, so a server that falls behind shows it as latency (no coordinated omission).
 */
public final class Trigger {
    /** The request a scenario sends; bodies are built when due. */
    public interface Shape {
        String path();

        /** Events per request. */
        int events();

        /** Deliveries each accepted event should cause. */
        long deliveriesPerEvent();

        /** A body carrying events {@code seq .. seq + events() - 1}, stamped {@code dueNanos}. */
        byte[] body(long dueNanos, long seq);
    }

    /** What one phase sent. */
    public record Sent(
            double offeredRequestsPerSecond,
            double seconds,
            long requests,
            long accepted,
            long rejected,
            long failed,
            long unsent,
            int lastBadStatus) {

        public double achievedRequestsPerSecond() {
            return requests / seconds;
        }

        public boolean clean() {
            return rejected == 0 && failed == 0 && unsent == 0;
        }

        public Map<String, Object> toMap(int eventsPerRequest) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("offered_events_per_s", offeredRequestsPerSecond * eventsPerRequest);
            m.put("sent_events", requests * eventsPerRequest);
            m.put("api_errors", rejected + failed);
            m.put("unsent_events", unsent * eventsPerRequest);
            if (lastBadStatus != 0) {
                m.put("last_error_status", lastBadStatus);
            }
            return m;
        }
    }

    private final RestClient rest;
    private final Shape shape;
    private volatile Meter current = new Meter(Long.MAX_VALUE);
    private long nextSeq;

    public Trigger(RestClient rest, Shape shape) {
        this.rest = rest;
        this.shape = shape;
    }

    /** Routes a received stamp to the phase being measured. */
    public void stamp(long sendNanos, long seq) {
        current.stamp(sendNanos, seq);
    }

    public int eventsPerRequest() {
        return shape.events();
    }

    public Meter current() {
        return current;
    }

    /**
     * Sends {@code requestsPerSecond} for {@code seconds} into a new {@link #current()} meter and
     * returns when sending stopped and every request was answered (or {@code 10 s} passed).
     */
    public Sent run(double requestsPerSecond, double seconds) throws InterruptedException {
        CompletableFuture<Sent> done = new CompletableFuture<>();
        rest.loop().execute(() -> start(requestsPerSecond, seconds, done));
        Sent sent;
        try {
            sent = done.get((long) (seconds * 1000) + 30_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("trigger phase did not finish", e);
        }
        rest.awaitIdle(10);
        return sent;
    }

    /** Waits until the current meter received what was expected, at most {@code seconds}. */
    public boolean drain(double seconds) throws InterruptedException {
        return drain(current, seconds);
    }

    static boolean drain(Meter m, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (m.received() < m.expected()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private void start(double rate, double seconds, CompletableFuture<Sent> done) {
        Meter meter = new Meter(nextSeq);
        current = meter;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long[] counts = new long[5]; // requests, accepted, rejected, failed, lastBadStatus
        int events = shape.events();
        long perEvent = shape.deliveriesPerEvent();
        String path = shape.path();
        ScheduledFuture<?>[] ticker = new ScheduledFuture<?>[1];
        ticker[0] = rest.loop()
                .scheduleAtFixedRate(
                        () -> {
                            long now = System.nanoTime();
                            while (true) {
                                // Request k is due at start + k / rate.
                                long dueNanos = start + (long) (counts[0] * 1e9 / rate);
                                if (dueNanos > now || dueNanos >= end) {
                                    break;
                                }
                                long seq = nextSeq;
                                nextSeq += events;
                                counts[0]++;
                                rest.post(path, shape.body(dueNanos, seq), (status, sentAt) -> {
                                    if (status >= 200 && status < 300) {
                                        counts[1]++;
                                        meter.expect(events * perEvent);
                                    } else if (status < 0) {
                                        counts[3]++;
                                    } else {
                                        counts[2]++;
                                        counts[4] = status;
                                    }
                                });
                            }
                            if (now >= end) {
                                ticker[0].cancel(false);
                                meter.end(nextSeq);
                                long unsent = rest.dropQueued();
                                waitAnswers(rate, seconds, counts, unsent, done);
                            }
                        },
                        0,
                        1,
                        TimeUnit.MILLISECONDS);
    }

    private void waitAnswers(double rate, double seconds, long[] counts, long unsent, CompletableFuture<Sent> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (rest.inFlight() == 0 || System.nanoTime() > deadline) {
                    done.complete(new Sent(
                            rate,
                            seconds,
                            counts[0] - unsent,
                            counts[1],
                            counts[2],
                            counts[3] + rest.inFlight(),
                            unsent,
                            (int) counts[4]));
                } else {
                    rest.loop().schedule(this, 1, TimeUnit.MILLISECONDS);
                }
            }
        };
        check.run();
    }

    /** The JSON text of {@code s}, escaped; the bench payload needs no escaping. */
    static String quote(String s) {
        return "\"" + s + "\"";
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
