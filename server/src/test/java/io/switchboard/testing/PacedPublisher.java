package io.switchboard.testing;

import com.pusher.rest.data.Result;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Triggers {@code event} with data {@code {"i": n}} (n = 0, 1, 2...) on one channel through the
 * official server SDK, one after another at about a given rate, and keeps the list of what the
 * server accepted: what a client that lost nothing must hold, in this order. A trigger the server
 * did not accept stops the publisher, and {@link #stop()} then fails: the list would no longer say
 * what was published.
 */
public final class PacedPublisher implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(30);

    private final List<Integer> published = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final Thread thread;

    private PacedPublisher(com.pusher.rest.Pusher rest, String channel, String event, int perSecond) {
        long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
        thread = Thread.ofPlatform().name("paced-publisher").start(() -> {
            long next = System.nanoTime();
            for (int i = 0; running.get(); i++) {
                Result result = rest.trigger(channel, event, Map.of("i", i));
                if (result.getStatus() != Result.Status.SUCCESS) {
                    failure.set("trigger " + i + " on " + channel + ": " + result.getStatus() + " "
                            + result.getHttpStatus() + " " + result.getMessage());
                    running.set(false);
                    return;
                }
                published.add(i);
                next += interval;
                LockSupport.parkNanos(next - System.nanoTime()); // pacing only; nothing is inferred from time
            }
        });
    }

    /** Starts publishing at about {@code perSecond} events per second. */
    public static PacedPublisher start(com.pusher.rest.Pusher rest, String channel, String event, int perSecond) {
        return new PacedPublisher(rest, channel, event, perSecond);
    }

    /** How many events the server has accepted so far. */
    public int count() {
        return published.size();
    }

    /** Waits until the server has accepted at least {@code n} events (at most {@link #WAIT}). */
    public void awaitCount(int n) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (published.size() < n) {
            if (failure.get() != null) {
                throw new AssertionError("publisher failed: " + failure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + published.size() + " of " + n + " events published within " + WAIT);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Stops after the trigger in flight and returns every {@code i} the server accepted, in order. */
    public List<Integer> stop() {
        running.set(false);
        try {
            if (!thread.join(WAIT)) {
                throw new AssertionError("publisher did not stop within " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (failure.get() != null) {
            throw new AssertionError("publisher failed: " + failure.get());
        }
        return List.copyOf(published);
    }

    @Override
    public void close() {
        running.set(false);
    }
}
