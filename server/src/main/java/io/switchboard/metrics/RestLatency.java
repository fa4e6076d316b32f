package io.switchboard.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * How long REST requests take to answer, by endpoint template and status: {@code
 * switchboard_rest_request_duration_seconds{endpoint, status}}. Endpoints are templates such as
 * {@code /apps/{id}/events}, never raw paths, so the series stay few whatever clients send.
 */
public final class RestLatency {
    /** Records nothing: for components built without metrics. */
    public static final RestLatency NONE = new RestLatency(null);

    private final MeterRegistry registry;
    /** Timers by endpoint, then by status - 100; filled as statuses are first answered. */
    private final ConcurrentHashMap<String, AtomicReferenceArray<Timer>> timers = new ConcurrentHashMap<>();

    RestLatency(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param endpoint a template from a fixed set, e.g. {@code /apps/{id}/events}
     * @param status the HTTP status answered
     */
    public void record(String endpoint, int status, long nanos) {
        if (registry == null) {
            return;
        }
        AtomicReferenceArray<Timer> byStatus = timers.get(endpoint);
        if (byStatus == null) {
            byStatus = timers.computeIfAbsent(endpoint, e -> new AtomicReferenceArray<>(500));
        }
        int slot = status - 100;
        boolean cached = slot >= 0 && slot < byStatus.length();
        Timer timer = cached ? byStatus.get(slot) : null;
        if (timer == null) {
            // The registry gives every caller the one timer of an endpoint and status.
            timer = Timer.builder("switchboard.rest.request.duration")
                    .description("Time from a REST request's arrival to its answer, by endpoint and status")
                    .tags("endpoint", endpoint, "status", Integer.toString(status))
                    .serviceLevelObjectives(Metrics.REQUEST_BUCKETS)
                    .register(registry);
            if (cached) {
                byStatus.set(slot, timer);
            }
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }
}
