package io.switchboard.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus registry served at {@code /metrics}. Counters and gauges read the components' own
 * counts when scraped, so nothing on the fan-out path touches Micrometer; histograms ({@link
 * Latency}) are recorded per REST request, probe, broker command or webhook POST, never per
 * delivered message. The histograms' names and buckets are set here.
 */
public final class Metrics implements AutoCloseable {
    /** Buckets of request-like durations: REST answers, broker round trips, event-loop lag. */
    static final Duration[] REQUEST_BUCKETS =
            millis(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000);

    /** Buckets of a webhook POST (the default timeout is 4 s). */
    private static final Duration[] WEBHOOK_REQUEST_BUCKETS =
            millis(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000);

    /** Buckets of the wait from a webhook batch's forming to its delivery, retries included. */
    private static final Duration[] WEBHOOK_DELAY_BUCKETS =
            millis(100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000, 600000);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final LimitRejections rejections = new LimitRejections(registry);
    private final RestLatency rest = new RestLatency(registry);

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    MeterRegistry registry() {
        return registry;
    }

    /** A value that only grows, read from {@code source} at scrape time. */
    public <T> void counter(String name, String help, T source, ToDoubleFunction<T> value, String... tags) {
        FunctionCounter.builder(name, source, value)
                .description(help)
                .tags(tags)
                .register(registry);
    }

    /** A value that goes up and down, read at scrape time. */
    public void gauge(String name, String help, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(help).tags(tags).register(registry);
    }

    /** A value in seconds that goes up and down, read at scrape time. */
    void secondsGauge(String name, String help, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value)
                .description(help)
                .baseUnit("seconds")
                .tags(tags)
                .register(registry);
    }

    /** {@code switchboard_limit_rejections_total{app, reason}}. */
    public LimitRejections rejections() {
        return rejections;
    }

    /** {@code switchboard_rest_request_duration_seconds{endpoint, status}}. */
    public RestLatency restLatency() {
        return rest;
    }

    /** {@code switchboard_event_loop_lag_seconds}: how late each loop's once-a-second probe ran. */
    Latency eventLoopLag() {
        return latency(
                "switchboard.event_loop.lag",
                "Seconds an event loop ran its once-a-second probe task after it was due",
                REQUEST_BUCKETS);
    }

    /** {@code switchboard_broker_round_trip_seconds}: every command sent to Redis, until its answer. */
    public Latency brokerRoundTrip() {
        return latency(
                "switchboard.broker.round_trip",
                "Seconds from sending a command to Redis (publish, presence, counts, heartbeat) to its answer",
                REQUEST_BUCKETS);
    }

    /**
     * {@code switchboard_webhooks_request_duration_seconds{result}}: one webhook POST, until the
     * receiver answered or the try failed.
     *
     * @param success whether for answers with 2xx ({@code result="success"}) or for the rest:
     *     other statuses, timeouts, connection errors ({@code result="error"})
     */
    public Latency webhookRequest(boolean success) {
        return latency(
                "switchboard.webhooks.request.duration",
                "Seconds one webhook POST took, until a 2xx answer (success) or a failed try (error)",
                WEBHOOK_REQUEST_BUCKETS,
                "result",
                success ? "success" : "error");
    }

    /** {@code switchboard_webhooks_delivery_delay_seconds}: from a batch's forming to its 2xx. */
    public Latency webhookDeliveryDelay() {
        return latency(
                "switchboard.webhooks.delivery.delay",
                "Seconds from a webhook batch's forming to the receiver's 2xx answer, waits and retries included",
                WEBHOOK_DELAY_BUCKETS);
    }

    private Latency latency(String name, String help, Duration[] buckets, String... tags) {
        Timer timer = Timer.builder(name)
                .description(help)
                .tags(tags)
                .serviceLevelObjectives(buckets)
                .register(registry);
        return nanos -> timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    private static Duration[] millis(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos(Math.round(values[i] * 1_000_000));
        }
        return out;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
