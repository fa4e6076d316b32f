package io.switchboard.webhook;

import io.switchboard.metrics.Latency;

/**
 * Where webhook durations are recorded.
 *
 * @param success each POST answered with 2xx, from sending to the answer
 * @param error each POST that failed (other status, timeout, connection error), until it failed
 * @param deliveryDelay each batch delivered, from its forming to the 2xx: batching, queueing,
 *     earlier tries and their backoff included
 */
public record WebhookTimings(Latency success, Latency error, Latency deliveryDelay) {
    /** Records nothing. */
    static final WebhookTimings NONE = new WebhookTimings(Latency.NONE, Latency.NONE, Latency.NONE);
}
