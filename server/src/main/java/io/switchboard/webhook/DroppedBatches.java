package io.switchboard.webhook;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the batches one target lost to its backlog cap ({@code webhooks.max_backlog_bytes}) and
 * logs them: the first drop at once, later ones at most once a minute with what was dropped since,
 * so a receiver that stays down does not flood the log. Thread-safe.
 */
final class DroppedBatches {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String target;
    private final long maxBacklogBytes;
    private final AtomicLong total = new AtomicLong();
    private long unloggedBatches;
    private long unloggedBytes;
    private long loggedAt;
    private boolean loggedOnce;

    /** @param target the target's key ({@link WebhookTarget#key()}) */
    DroppedBatches(String target, long maxBacklogBytes) {
        this.target = target;
        this.maxBacklogBytes = maxBacklogBytes;
    }

    /** Records {@code batches} dropped batches of {@code bytes} bytes of bodies in all. */
    void record(long batches, long bytes) {
        if (batches <= 0) {
            return;
        }
        total.addAndGet(batches);
        long since;
        long sinceBytes;
        synchronized (this) {
            unloggedBatches += batches;
            unloggedBytes += bytes;
            long now = System.nanoTime();
            if (loggedOnce && now - loggedAt < LOG_EVERY_NANOS) {
                return;
            }
            loggedOnce = true;
            loggedAt = now;
            since = unloggedBatches;
            sinceBytes = unloggedBytes;
            unloggedBatches = 0;
            unloggedBytes = 0;
        }
        log.warn(
                "webhook backlog of {} is over webhooks.max_backlog_bytes ({}): dropped {} batches, oldest"
                        + " first ({} bytes); {} since start",
                WebhookTarget.describe(target),
                maxBacklogBytes,
                since,
                sinceBytes,
                total.get());
    }

    /** Batches dropped since start. */
    long total() {
        return total.get();
    }
}
