package io.switchboard.connection;

import java.util.concurrent.TimeUnit;

/**
 * One connection's client-event limit: a token bucket that refills at {@code perSecond} tokens a
 * second and holds at most one second's worth. A sender at or below the rate never runs dry,
 * however its timer jitters; a faster one gets a second's worth at once, then the rate, evenly.
 *
 * <p>Kept as the time the bucket would be full again minus one second's worth (the generic cell
 * rate algorithm), so a take is a comparison and an addition. Not thread-safe: the connection's
 * event loop only. The caller passes the time ({@link System#nanoTime()}), so tests can too.
 */
final class TokenBucket {
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Rounded down: the bucket refills no slower than the documented rate. */
    private final long intervalNanos;

    private final long burstNanos;
    /** When the next token is due at the steady rate; at or before now when tokens are left over. */
    private long theoreticalArrival;

    private boolean started;

    /** @param perSecond at least 1 */
    TokenBucket(int perSecond) {
        this.intervalNanos = SECOND_NANOS / perSecond;
        this.burstNanos = (perSecond - 1) * intervalNanos;
    }

    /** Takes a token; false when none is left (nothing is taken then). */
    boolean take(long nowNanos) {
        long start = !started || theoreticalArrival - nowNanos < 0 ? nowNanos : theoreticalArrival;
        if (start - nowNanos > burstNanos) {
            return false;
        }
        started = true;
        theoreticalArrival = start + intervalNanos;
        return true;
    }
}
