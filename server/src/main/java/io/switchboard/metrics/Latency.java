package io.switchboard.metrics;

/**
 * A distribution of durations (a Prometheus histogram), recorded where they happen. Recording costs
 * a few atomic additions: fine once per REST request, probe or webhook POST, never once per message
 * delivered to a subscriber.
 */
@FunctionalInterface
public interface Latency {
    /** Records nothing: for components built without metrics. */
    Latency NONE = nanos -> {};

    void record(long nanos);
}
