package io.switchboard.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code connect --broadcast N}: N events sent one at a time, each to the channels of every
 * connection, through {@code POST /apps/{id}/events} with at most {@code perTrigger} channel names
 * a trigger (the protocol allows 100), all of an event's triggers sent at once. For each event it
 * waits until every open connection received it (or the deadline), then pauses briefly before the
 * next. Event {@code k} carries sequence number {@code k} in its stamp, so a late delivery of an
 * earlier event never counts for a later one.
 */
final class Broadcast implements Fleet.StampHandler {
    private static final long MAX_MICROS = 600_000_000L;
    private static final long PAUSE_MILLIS = 200;

    private final long[] seen; // per connection index: the last event it got; touched on its event loop only
    private final AtomicInteger reached = new AtomicInteger();
    private final AtomicLong lastAt = new AtomicLong();
    private final LongAdder duplicates = new LongAdder();
    private final Recorder all = new Recorder(MAX_MICROS, 3);
    private final Recorder current = new Recorder(MAX_MICROS, 3);
    private volatile long event; // the event being measured; 0 before the first

    /** @param connections the fleet's size: its connections' indexes are below it */
    Broadcast(int connections) {
        this.seen = new long[connections];
    }

    @Override
    public void onStamp(WsConn c, long sendNanos, long seq) {
        if (seq != event) {
            return;
        }
        long now = System.nanoTime();
        int i = c.index;
        if (i >= 0 && i < seen.length) {
            if (seen[i] == seq) {
                duplicates.increment();
                return;
            }
            seen[i] = seq;
        }
        long micros = Math.max(0, Math.min((now - sendNanos) / 1000, MAX_MICROS));
        all.recordValue(micros);
        current.recordValue(micros);
        lastAt.accumulateAndGet(now, Math::max);
        reached.incrementAndGet();
    }

    /**
     * Sends {@code events} events to {@code channels} (which must cover every connection of {@code
     * fleet}) and returns the {@code broadcast_*} fields; progress goes to stderr, one line an
     * event starting with {@code label}. Each waits at most {@code timeoutSeconds}
     * for its deliveries, or {@code drainSeconds} after its last trigger was answered when one
     * failed.
     */
    Map<String, Object> run(
            String label,
            Fleet fleet,
            RestClient rest,
            Target target,
            List<String> channels,
            int perTrigger,
            int events,
            int payload,
            double timeoutSeconds,
            double drainSeconds)
            throws InterruptedException {
        String path = "/apps/" + target.appId() + "/events";
        List<String> prefixes = new ArrayList<>();
        for (int from = 0; from < channels.size(); from += perTrigger) {
            StringBuilder sb = new StringBuilder("{\"name\":\"bench\",\"channels\":[");
            for (int j = from; j < Math.min(channels.size(), from + perTrigger); j++) {
                sb.append(j > from ? "," : "")
                        .append('"')
                        .append(channels.get(j))
                        .append('"');
            }
            prefixes.add(sb.append("],\"data\":\"").toString());
        }
        Proc.CpuMeter server = new Proc.CpuMeter(target.pid());
        Proc.CpuMeter client = new Proc.CpuMeter(Proc.self());
        double[] lastMs = new double[events];
        long expected = 0;
        long apiErrors = 0;
        long delivered = 0;
        for (int k = 0; k < events; k++) {
            if (k > 0) {
                Thread.sleep(PAUSE_MILLIS);
            }
            long seq = k + 1;
            long open = fleet.subscribed() - fleet.disconnects();
            reached.set(0);
            lastAt.set(0);
            current.reset();
            event = seq;
            Answers answers = new Answers(prefixes.size());
            long sentAt = send(rest, path, prefixes, seq, payload, answers);
            long deadline = sentAt + (long) (timeoutSeconds * 1e9);
            while (reached.get() < open && System.nanoTime() < deadline) {
                if (answers.failed.get() > 0 && answers.left.get() == 0) {
                    deadline = Math.min(deadline, answers.lastAt.get() + (long) (drainSeconds * 1e9));
                }
                Thread.sleep(1);
            }
            event = 0; // what arrives from now on is late and counts for nothing
            int got = reached.get();
            // An event that reached everyone took until its last delivery; one that did not, at
            // least as long as it was waited for.
            long until = got >= open ? lastAt.get() : Math.max(deadline, lastAt.get());
            lastMs[k] = millis(until - sentAt);
            expected += open;
            delivered += got;
            apiErrors += answers.failed.get();
            Histogram h = current.getIntervalHistogram();
            System.err.printf(
                    "%s %d/%d: %d of %d connections in %.1f ms (p50 %.1f ms), %d trigger(s), %d failed%n",
                    label,
                    seq,
                    events,
                    got,
                    open,
                    lastMs[k],
                    h.getValueAtPercentile(50) / 1000.0,
                    prefixes.size(),
                    answers.failed.get());
        }
        double serverSeconds = server.seconds();
        double clientSeconds = client.seconds();
        Histogram h = all.getIntervalHistogram();
        double[] sorted = lastMs.clone();
        Arrays.sort(sorted);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("broadcast_events", events);
        r.put("broadcast_triggers_per_event", prefixes.size());
        r.put("broadcast_last_ms_p50", median(sorted));
        r.put("broadcast_last_ms_max", sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        List<Double> each = new ArrayList<>();
        for (double ms : lastMs) {
            each.add(ms);
        }
        r.put("broadcast_last_ms", each);
        r.put("broadcast_p50_ms", Meter.ms(h.getValueAtPercentile(50)));
        r.put("broadcast_expected", expected);
        r.put("broadcast_delivered", delivered);
        r.put("broadcast_lost", Math.max(0, expected - delivered));
        r.put("broadcast_duplicates", duplicates.sum());
        r.put("broadcast_api_errors", apiErrors);
        if (serverSeconds >= 0) {
            r.put("broadcast_server_us_per_msg", delivered == 0 ? 0 : serverSeconds * 1e6 / delivered);
        }
        r.put("broadcast_client_us_per_msg", delivered == 0 ? 0 : clientSeconds * 1e6 / delivered);
        return r;
    }

    /**
     * Posts one event's triggers on the REST client's loop, each stamped with the time the first
     * is sent, and returns that time.
     */
    private static long send(
            RestClient rest, String path, List<String> prefixes, long seq, int payload, Answers answers)
            throws InterruptedException {
        AtomicLong sentAt = new AtomicLong();
        rest.loop().execute(() -> {
            long t0 = System.nanoTime();
            sentAt.set(t0);
            for (String prefix : prefixes) {
                rest.post(path, Trigger.utf8(prefix + Payload.data(t0, seq, payload) + "\"}"), (status, at) -> {
                    if (status < 200 || status >= 300) {
                        answers.failed.incrementAndGet();
                    }
                    answers.lastAt.set(System.nanoTime());
                    answers.left.decrementAndGet();
                });
            }
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (sentAt.get() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the load generator's event loop did not send the broadcast");
            }
            Thread.sleep(1);
        }
        return sentAt.get();
    }

    /** How an event's triggers were answered; updated on the REST client's loop. */
    private static final class Answers {
        final AtomicInteger left;
        final AtomicInteger failed = new AtomicInteger();
        final AtomicLong lastAt = new AtomicLong();

        Answers(int triggers) {
            this.left = new AtomicInteger(triggers);
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return 0;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
