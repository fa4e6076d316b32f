package io.switchboard.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers: healthy after a successful round trip within the window, unhealthy from
 * the first failed command or lost connection until the next successful heartbeat. An outage is
 * logged once when it starts and once when it ends, not once per command.
 */
final class RedisHealth {
    private static final Logger log = LoggerFactory.getLogger("switchboard.broker");

    private final long windowNanos;
    private final String target;
    private volatile long lastSuccess = System.nanoTime();
    private volatile boolean answered;
    private volatile long outageStart;
    private boolean down;

    /**
     * @param window how long a successful round trip counts as proof of health
     * @param target the Redis address, for log lines (no credentials)
     */
    RedisHealth(long window, TimeUnit unit, String target) {
        this.windowNanos = unit.toNanos(window);
        this.target = target;
    }

    boolean healthy() {
        synchronized (this) {
            if (down) {
                return false;
            }
        }
        return answered && System.nanoTime() - lastSuccess < windowNanos;
    }

    /** A command completed: Redis answered. */
    void succeeded() {
        lastSuccess = System.nanoTime();
        answered = true;
    }

    /**
     * A heartbeat completed. Only heartbeats end an outage, so answers racing with a dropping
     * connection do not make the health flap.
     */
    void heartbeat() {
        succeeded();
        synchronized (this) {
            if (!down) {
                return;
            }
            down = false;
        }
        log.info(
                "Redis at {} answers again after {} ms; re-registering this node's state",
                target,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStart));
    }

    /** A command failed; outages are logged once, errors Redis answered with every time. */
    void failed(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof RedisCommandExecutionException) {
            log.error("Redis at {} refused a command: {}", target, cause.getMessage());
            return;
        }
        lost(cause.toString());
    }

    /** The connection to Redis closed. */
    void lost(String why) {
        synchronized (this) {
            if (down) {
                return;
            }
            down = true;
            outageStart = System.nanoTime();
        }
        log.warn(
                "Redis at {} is unreachable ({}): this node keeps serving its own connections, events reach"
                        + " only local subscribers, /ready reports not ready; reconnecting",
                target,
                why);
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
