package io.switchboard.bench.soak;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the well-behaved receivers of one kind (WebSocket fan-out, HTTP fallback, client events)
 * got: deliveries, losses, repeats and latency, read once per sample interval. Safe from any
 * thread.
 */
final class Deliveries {
    static final long MAX_MICROS = 3_600_000_000L;

    /** One interval's figures; {@code latency} is in microseconds. */
    record Interval(long delivered, long lost, long duplicates, Histogram latency) {}

    private final String kind;
    private final LongAdder delivered = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final Recorder latency = new Recorder(MAX_MICROS, 3);
    private final Histogram total = new Histogram(MAX_MICROS, 3);
    private long deliveredTotal;
    private long lostTotal;
    private long duplicatesTotal;

    Deliveries(String kind) {
        this.kind = kind;
    }

    String kind() {
        return kind;
    }

    /**
     * Records an event stamped {@code dueNanos} (when it was due to be sent) with sequence number
     * {@code seq}, received by the receiver whose sequence is {@code check}.
     */
    void record(SequenceCheck check, long dueNanos, long seq) {
        long skipped = check.see(seq);
        if (skipped < 0) {
            duplicates.increment();
            return;
        }
        delivered.increment();
        if (skipped > 0) {
            lost.add(skipped);
        }
        long micros = (System.nanoTime() - dueNanos) / 1000;
        latency.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
    }

    /** Counts events a receiver is still missing at the end of the run. */
    void lost(long events) {
        lost.add(events);
    }

    /** The figures since the previous call; also adds them to the totals. */
    synchronized Interval interval() {
        Histogram h = latency.getIntervalHistogram();
        total.add(h);
        Interval i = new Interval(delivered.sumThenReset(), lost.sumThenReset(), duplicates.sumThenReset(), h);
        deliveredTotal += i.delivered();
        lostTotal += i.lost();
        duplicatesTotal += i.duplicates();
        return i;
    }

    synchronized long deliveredTotal() {
        return deliveredTotal;
    }

    synchronized long lostTotal() {
        return lostTotal;
    }

    synchronized long duplicatesTotal() {
        return duplicatesTotal;
    }

    /** Every latency recorded by the intervals taken so far (microseconds). */
    synchronized Histogram totalLatency() {
        return total.copy();
    }
}
