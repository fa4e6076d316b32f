package io.switchboard.broker.memory;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A lock-free rate limit (generic cell rate algorithm): {@code perSecond} requests a second on
 * average, with bursts of up to one second's worth. Safe from any thread.
 */
final class RateLimiter {
    private final long intervalNanos;
    private final long burstNanos;
    private final LongSupplier clock;
    private final AtomicLong theoreticalArrival;

    RateLimiter(int perSecond, LongSupplier clock) {
        this.intervalNanos = 1_000_000_000L / perSecond;
        this.burstNanos = 1_000_000_000L - intervalNanos;
        this.clock = clock;
        this.theoreticalArrival = new AtomicLong(clock.getAsLong());
    }

    /** Takes one request's place; false when the limit is reached (nothing is taken then). */
    boolean tryAcquire() {
        long now = clock.getAsLong();
        while (true) {
            long tat = theoreticalArrival.get();
            long start = Math.max(tat, now);
            if (start - now > burstNanos) {
                return false;
            }
            if (theoreticalArrival.compareAndSet(tat, start + intervalNanos)) {
                return true;
            }
        }
    }
}
