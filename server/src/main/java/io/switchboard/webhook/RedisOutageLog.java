package io.switchboard.webhook;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator once when Redis stops answering the webhook queue and once when it answers
 * again, however many commands fail in between. Quiet after {@link #stop}: failures while closing
 * are expected. Thread-safe.
 */
final class RedisOutageLog {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    private final AtomicBoolean reachable = new AtomicBoolean(true);
    private volatile boolean stopped;

    void failed(Throwable error) {
        if (!stopped && reachable.compareAndSet(true, false)) {
            log.warn(
                    "webhook queue: Redis did not answer ({}); batches formed meanwhile wait in memory and"
                            + " delivery pauses until it does",
                    error.toString());
        }
    }

    void succeeded() {
        if (reachable.compareAndSet(false, true)) {
            log.info("webhook queue: Redis answers again");
        }
    }

    void stop() {
        stopped = true;
    }
}
