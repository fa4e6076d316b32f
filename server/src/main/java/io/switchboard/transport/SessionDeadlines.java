package io.switchboard.transport;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * When an HTTP fallback session is given up for want of its client: after {@code
 * inactivity_timeout} without any request from it, or after the disconnect delay ({@code
 * fallback_disconnect_delay}) without a receive request, counted from when the last one ended.
 * On the session's event loop only.
 */
final class SessionDeadlines {
    private final EventLoop loop;
    private final HttpSession.Settings settings;
    private final BooleanSupplier waiting;
    private final Runnable expire;
    private long lastClientActivity = System.nanoTime();

    /** When the last receive request ended (a poll's answer was written, a stream dropped). */
    private long detachedSince;

    private ScheduledFuture<?> detachedTimer;

    /**
     * @param waiting whether the session still waits for a receive request (not ended, none open)
     * @param expire ends the session once the disconnect delay has passed while it waited
     */
    SessionDeadlines(EventLoop loop, HttpSession.Settings settings, BooleanSupplier waiting, Runnable expire) {
        this.loop = loop;
        this.settings = settings;
        this.waiting = waiting;
        this.expire = expire;
    }

    /** A request of the client arrived. */
    void clientActive() {
        lastClientActivity = System.nanoTime();
    }

    /** Whether the client sent nothing for {@code inactivity_timeout}. */
    boolean inactive() {
        long idle = System.nanoTime() - lastClientActivity;
        return idle > TimeUnit.MILLISECONDS.toNanos(settings.inactivityTimeoutMillis());
    }

    /**
     * The receive request has ended and no other has taken its place: the disconnect delay counts
     * from now, however long ago an earlier one began.
     */
    void detached() {
        detachedSince = System.nanoTime();
        if (detachedTimer == null) {
            checkDetachedIn(settings.detachedTimeoutMillis());
        }
    }

    private void checkDetachedIn(long millis) {
        detachedTimer = loop.schedule(this::checkDetached, millis, TimeUnit.MILLISECONDS);
    }

    private void checkDetached() {
        detachedTimer = null;
        if (!waiting.getAsBoolean()) {
            return;
        }
        long left = settings.detachedTimeoutMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - detachedSince);
        if (left > 0) {
            checkDetachedIn(left);
            return;
        }
        expire.run();
    }

    /** A receive request arrived, or the session ended: the disconnect delay no longer runs. */
    void cancelDetached() {
        if (detachedTimer != null) {
            detachedTimer.cancel(false);
            detachedTimer = null;
        }
    }
}
