package io.switchboard.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * How late each event loop runs what it is given: once a second a probe task is scheduled on every
 * loop, and how long after its due time it ran is recorded ({@code switchboard_event_loop_lag_seconds}).
 * A loop busy with a long fan-out, a blocking call or a GC pause runs it late. {@code
 * switchboard_event_loop_lag_current_seconds{loop}} is the last probe's lag, or how overdue the
 * pending probe is when that is more, so a loop that is stuck shows growing lag even though its
 * probe never runs. Costs one tiny task per loop per second.
 */
public final class EventLoopLag implements AutoCloseable {
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final List<Probe> probes = new ArrayList<>();
    private volatile boolean stopped;

    /** Starts probing {@code loops} (Netty event loops), recording every probe's lag in {@code lag}. */
    public static EventLoopLag start(List<? extends ScheduledExecutorService> loops, Metrics metrics) {
        EventLoopLag lag = new EventLoopLag();
        Latency histogram = metrics.eventLoopLag();
        for (int i = 0; i < loops.size(); i++) {
            Probe probe = lag.new Probe(loops.get(i), histogram);
            lag.probes.add(probe);
            metrics.secondsGauge(
                    "switchboard.event_loop.lag.current",
                    "Seconds the event loop's last probe ran late, or how overdue the pending one is",
                    probe::currentSeconds,
                    "loop",
                    Integer.toString(i));
            probe.schedule();
        }
        return lag;
    }

    private EventLoopLag() {}

    @Override
    public void close() {
        stopped = true;
        for (Probe probe : probes) {
            probe.cancel();
        }
    }

    private final class Probe implements Runnable {
        private final ScheduledExecutorService loop;
        private final Latency histogram;
        private volatile long dueNanos;
        private volatile long lastLagNanos;
        private volatile ScheduledFuture<?> pending;

        Probe(ScheduledExecutorService loop, Latency histogram) {
            this.loop = loop;
            this.histogram = histogram;
        }

        void schedule() {
            if (stopped) {
                return;
            }
            dueNanos = System.nanoTime() + INTERVAL_NANOS;
            try {
                pending = loop.schedule(this, INTERVAL_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                stopped = true; // the loop is shutting down
            }
        }

        @Override
        public void run() {
            long lag = Math.max(0, System.nanoTime() - dueNanos);
            lastLagNanos = lag;
            histogram.record(lag);
            schedule();
        }

        double currentSeconds() {
            long overdue = stopped ? 0 : System.nanoTime() - dueNanos;
            return Math.max(lastLagNanos, overdue) / 1e9;
        }

        void cancel() {
            ScheduledFuture<?> p = pending;
            if (p != null) {
                p.cancel(false);
            }
        }
    }
}
