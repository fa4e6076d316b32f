package io.switchboard.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Deliveries and latencies of one measured phase: the stamps whose sequence numbers fall in {@code
 * [firstSeq, endSeq)}. Stamps of other phases (warm-up, an earlier step arriving late) are ignored.
 */
public final class Meter {
    private static final long MAX_MICROS = 600_000_000L;

    private final long firstSeq;
    private volatile long endSeq = Long.MAX_VALUE;
    private final LongAdder received = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final Recorder latency = new Recorder(MAX_MICROS, 3);
    private Histogram result;

    public Meter(long firstSeq) {
        this.firstSeq = firstSeq;
    }

    /** Records one delivery if its stamp belongs to this phase. Safe from any thread. */
    public void stamp(long sendNanos, long seq) {
        if (seq >= firstSeq && seq < endSeq) {
            received.increment();
            long micros = (System.nanoTime() - sendNanos) / 1000;
            latency.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
        }
    }

    /** Sending stopped: stamps from {@code seq} on belong to a later phase. */
    public void end(long seq) {
        endSeq = seq;
    }

    public void expect(long deliveries) {
        expected.add(deliveries);
    }

    public long received() {
        return received.sum();
    }

    public long expected() {
        return expected.sum();
    }

    /** The latency histogram (microseconds); taken once, after the phase has drained. */
    public Histogram latencies() {
        if (result == null) {
            result = latency.getIntervalHistogram();
        }
        return result;
    }

    /** {@code p50_ms} ... {@code max_ms} of the latencies. */
    public Map<String, Object> percentiles() {
        Histogram h = latencies();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50_ms", ms(h.getValueAtPercentile(50)));
        m.put("p90_ms", ms(h.getValueAtPercentile(90)));
        m.put("p99_ms", ms(h.getValueAtPercentile(99)));
        m.put("p999_ms", ms(h.getValueAtPercentile(99.9)));
        m.put("max_ms", ms(h.getMaxValue()));
        return m;
    }

    public double p99Millis() {
        return latencies().getValueAtPercentile(99) / 1000.0;
    }

    public static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
