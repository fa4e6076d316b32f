package io.switchboard.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The webhooks the load should cause, against those that arrived. The load side calls {@link
 * #expect} when it does something the server must report (a client event sent, a presence member
 * joined or left); the receiver calls {@link #arrived} for every event of every POST. An event is
 * identified by what it reports ({@code member_added|presence-soak-0|u17}, {@code
 * client_event|presence-soak-1|42}), not by batch, so batching and retries do not matter; an event
 * that arrives again is a duplicate (delivery is at least once).
 */
final class WebhookLedger {
    /** Counts at one moment. */
    record Counts(
            long expected,
            long arrived,
            long pending,
            long overdue,
            long duplicates,
            long unexpected,
            long forgotten,
            double oldestPendingSeconds) {}

    private static final class Entry {
        volatile long expectedAt = -1;
        volatile int arrivals;
        /** Arrived, and thrown away by the receiver on purpose ({@code --break-webhooks}). */
        volatile boolean forgotten;
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> other = new ConcurrentHashMap<>();
    private final LongAdder duplicates = new LongAdder();

    static String member(String name, String channel, String userId) {
        return name + "|" + channel + "|" + userId;
    }

    static String clientEvent(String channel, long seq) {
        return "client_event|" + channel + "|" + seq;
    }

    /** The server must eventually POST the event {@code key}. */
    void expect(String key) {
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        synchronized (e) {
            if (e.expectedAt < 0) {
                e.expectedAt = System.nanoTime();
            }
        }
    }

    /** The event {@code key} arrived in a POST. */
    void arrived(String key) {
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        synchronized (e) {
            if (++e.arrivals > 1) {
                duplicates.increment();
            }
        }
    }

    /**
     * The event {@code key} arrived and the receiver threw it away on purpose: it stays pending
     * (lost, if it was expected), and counts as {@code forgotten}.
     */
    void forgotten(String key) {
        entries.computeIfAbsent(key, k -> new Entry()).forgotten = true;
    }

    /** Whether the receiver threw {@code key} away on purpose already: it throws away its repeats too. */
    boolean isForgotten(String key) {
        Entry e = entries.get(key);
        return e != null && e.forgotten;
    }

    /** An event of a kind the ledger does not track ({@code channel_occupied}, ...) arrived. */
    void arrivedOther(String name) {
        other.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    /**
     * The counts now. {@code overdue}: expected more than {@code overdueNanos} ago and still not
     * arrived, i.e. past the point where the server gives up retrying: lost.
     */
    Counts counts(long overdueNanos) {
        long now = System.nanoTime();
        long expected = 0;
        long arrived = 0;
        long pending = 0;
        long overdue = 0;
        long unexpected = 0;
        long forgotten = 0;
        long oldest = now;
        for (Entry e : entries.values()) {
            long at = e.expectedAt;
            int n = e.arrivals;
            if (at < 0) {
                // Also one thrown away on purpose: the server sent it without the load expecting
                // it (a join the client did not see succeed before it left).
                unexpected += n > 0 || e.forgotten ? 1 : 0;
                continue;
            }
            expected++;
            if (n > 0) {
                arrived++;
            } else {
                forgotten += e.forgotten ? 1 : 0;
                pending++;
                oldest = Math.min(oldest, at);
                if (now - at > overdueNanos) {
                    overdue++;
                }
            }
        }
        return new Counts(
                expected, arrived, pending, overdue, duplicates.sum(), unexpected, forgotten, (now - oldest) / 1e9);
    }

    /** Events of untracked kinds that arrived, by name. */
    Map<String, Long> others() {
        Map<String, Long> out = new TreeMap<>();
        other.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** A few expected events that have not arrived, for the result line. */
    List<String> pendingSamples(int max) {
        List<String> out = new ArrayList<>();
        for (var e : entries.entrySet()) {
            if (out.size() >= max) {
                break;
            }
            if (e.getValue().expectedAt >= 0 && e.getValue().arrivals == 0) {
                out.add(e.getKey());
            }
        }
        return out;
    }
}
