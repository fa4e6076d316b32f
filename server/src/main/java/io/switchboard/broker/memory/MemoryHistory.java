package io.switchboard.broker.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.broker.HistoryStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Envelope;
import io.switchboard.core.Retention;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * History of the memory broker: a bounded ring of events per channel, under a per-app and a global
 * byte cap. Each channel's ring also holds the channel's serial sequence.
 *
 * <p>What is dropped, always oldest first: an event beyond the rule's {@code max_events} or older
 * than its {@code max_age_seconds} (when the channel is next written or read, and by a sweep every
 * {@value #SWEEP_EVERY} appends); the app's oldest event while the app holds more than its {@code
 * max_history_bytes}; the oldest event of any app while all histories hold more than {@code
 * broker.history.max_memory_bytes}. Each drop is counted by reason ({@link #evictions}).
 *
 * <p>Locking: a channel's serial, its ring and the delivery of its events are guarded by the ring's
 * monitor, so events of one channel are delivered in serial order whichever thread published them;
 * byte accounting and the eviction queues are guarded by {@link #accounting}, taken inside a ring's
 * monitor and never the other way round. An event evicted by the caps loses its frame at once (the
 * memory is freed) and leaves its ring when that ring is next touched.
 */
public final class MemoryHistory implements HistoryStore {
    /** Bytes counted per event beyond its frame: the entry and its places in the queues. */
    static final int ENTRY_OVERHEAD = 96;

    static final int SWEEP_EVERY = 4096;

    /** How long a channel's sequence outlives its last event: well beyond any history's age. */
    static final long SEQUENCE_KEEP_MS = 32L * 86_400_000L;

    /** Why events were dropped, as counted by {@link #evictions}. */
    public enum Reason {
        MAX_EVENTS,
        MAX_AGE,
        APP_BYTES,
        MEMORY
    }

    private final long maxBytes;
    private final LongSupplier clock;
    private final Map<ChannelKey, Ring> rings = new ConcurrentHashMap<>();
    private final Map<String, AppUsage> apps = new ConcurrentHashMap<>();
    private final AtomicLong[] evictions = new AtomicLong[Reason.values().length];
    private final AtomicLong appends = new AtomicLong();

    private final Object accounting = new Object();
    /** Live events of every app, oldest first (with dead ones skipped and compacted away). */
    private final ArrayDeque<Entry> everyApp = new ArrayDeque<>();

    private long bytes;
    private long live;

    /**
     * @param maxBytes what all channel histories may hold together
     * @param clock epoch milliseconds
     */
    public MemoryHistory(long maxBytes, LongSupplier clock) {
        this.maxBytes = maxBytes;
        this.clock = clock;
        for (int i = 0; i < evictions.length; i++) {
            evictions[i] = new AtomicLong();
        }
    }

    /** One retained event; {@code frame} becomes null once evicted (guarded by accounting). */
    private static final class Entry {
        final long serial;
        final long at;
        final Ring ring;
        volatile byte[] frame;

        Entry(long serial, long at, byte[] frame, Ring ring) {
            this.serial = serial;
            this.at = at;
            this.frame = frame;
            this.ring = ring;
        }

        long size() {
            byte[] f = frame;
            return f == null ? 0 : f.length + ENTRY_OVERHEAD;
        }
    }

    /** One channel: its events, oldest first, and its sequence. Guarded by its own monitor. */
    private static final class Ring {
        final AppUsage app;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        /** The first serial of the sequence. */
        long first;

        long last;
        long lastWrite;
        long maxAgeMs;
        boolean removed;

        Ring(AppUsage app) {
            this.app = app;
        }
    }

    /** One app's live events, oldest first, and their bytes. Guarded by accounting. */
    private static final class AppUsage {
        final ArrayDeque<Entry> events = new ArrayDeque<>();
        long bytes;
        long live;
    }

    /**
     * Gives {@code envelope} its channel's next serial, stores it and hands it to {@code deliver}
     * with the serial, all under the channel's lock.
     */
    public void append(ChannelKey channel, Envelope envelope, BiConsumer<ChannelKey, Envelope> deliver) {
        Retention retention = envelope.history();
        while (true) {
            Ring ring =
                    rings.computeIfAbsent(channel, c -> new Ring(apps.computeIfAbsent(c.appId(), a -> new AppUsage())));
            synchronized (ring) {
                if (ring.removed) {
                    continue; // swept away meanwhile: take the new one
                }
                long now = clock.getAsLong();
                long serial = ring.last == 0 ? now * 1000 + 1 : ring.last + 1;
                if (ring.last == 0) {
                    ring.first = serial;
                }
                ring.last = serial;
                ring.lastWrite = now;
                ring.maxAgeMs = retention.maxAgeMs();
                Entry entry = new Entry(serial, now, envelope.frame(), ring);
                ring.entries.addLast(entry);
                trim(ring, retention.maxEvents(), now);
                account(entry, retention.maxAppBytes());
                deliver.accept(channel, envelope.withSerial(serial));
            }
            break;
        }
        if (appends.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep();
        }
    }

    @Override
    public CompletionStage<Page> after(ChannelKey channel, Retention retention, long after, int limit) {
        Ring ring = rings.get(channel);
        if (ring == null) {
            return completedFuture(Page.EMPTY);
        }
        synchronized (ring) {
            long now = clock.getAsLong();
            trim(ring, retention.maxEvents(), now, retention.maxAgeMs());
            List<Stored> out = new ArrayList<>();
            for (Entry e : ring.entries) {
                byte[] frame = e.frame;
                if (out.size() >= limit) {
                    break;
                }
                if (frame != null && e.serial > after) {
                    out.add(new Stored(e.serial, e.at, frame));
                }
            }
            return completedFuture(page(ring, out));
        }
    }

    @Override
    public CompletionStage<Page> before(ChannelKey channel, Retention retention, long before, int limit) {
        Ring ring = rings.get(channel);
        if (ring == null) {
            return completedFuture(Page.EMPTY);
        }
        synchronized (ring) {
            long now = clock.getAsLong();
            trim(ring, retention.maxEvents(), now, retention.maxAgeMs());
            List<Stored> out = new ArrayList<>();
            for (Iterator<Entry> it = ring.entries.descendingIterator(); it.hasNext(); ) {
                Entry e = it.next();
                byte[] frame = e.frame;
                if (out.size() >= limit) {
                    break;
                }
                if (frame != null && e.serial < before) {
                    out.add(new Stored(e.serial, e.at, frame));
                }
            }
            return completedFuture(page(ring, out));
        }
    }

    /**
     * Channels remembered at most while they hold no events (each costs a few hundred bytes): one per
     * KiB of the byte bound, 262,144 for the default 256 MiB.
     */
    long maxChannels() {
        return Math.max(1024, maxBytes / 1024);
    }

    /** Events dropped for {@code reason} since start. */
    public long evictions(Reason reason) {
        return evictions[reason.ordinal()].get();
    }

    /** Bytes held by every history now, frames and entries counted. */
    public long bytes() {
        synchronized (accounting) {
            return bytes;
        }
    }

    /** Events held by every history now. */
    public long events() {
        synchronized (accounting) {
            return live;
        }
    }

    /** {@code events} with the ring's bounds. Holds the ring. */
    private static Page page(Ring ring, List<Stored> events) {
        long earliest = earliest(ring);
        return new Page(events, earliest, ring.last, ring.last == 0 || earliest == ring.first);
    }

    private static long earliest(Ring ring) {
        for (Entry e : ring.entries) {
            if (e.frame != null) {
                return e.serial;
            }
        }
        return 0;
    }

    private void trim(Ring ring, int maxEvents, long now) {
        trim(ring, maxEvents, now, ring.maxAgeMs);
    }

    /** Drops what the caps evicted, then what is beyond the count or the age. Holds the ring. */
    private void trim(Ring ring, int maxEvents, long now, long maxAgeMs) {
        ArrayDeque<Entry> entries = ring.entries;
        while (!entries.isEmpty()) {
            Entry head = entries.peekFirst();
            if (head.frame == null) {
                entries.pollFirst();
            } else if (entries.size() > maxEvents) {
                release(entries.pollFirst(), Reason.MAX_EVENTS);
            } else if (now - head.at > maxAgeMs) {
                release(entries.pollFirst(), Reason.MAX_AGE);
            } else {
                break;
            }
        }
    }

    private void account(Entry entry, long maxAppBytes) {
        long size = entry.size();
        synchronized (accounting) {
            AppUsage app = entry.ring.app;
            app.events.addLast(entry);
            app.bytes += size;
            app.live++;
            everyApp.addLast(entry);
            bytes += size;
            live++;
            while (app.bytes > maxAppBytes && evictOldest(app.events, Reason.APP_BYTES)) {
                // the app's oldest events go first
            }
            while (bytes > maxBytes && evictOldest(everyApp, Reason.MEMORY)) {
                // then the oldest of any app
            }
            compact(app.events, app.live);
            compact(everyApp, live);
        }
    }

    /** Evicts the oldest live event of {@code queue}; false when it holds none. Holds accounting. */
    private boolean evictOldest(ArrayDeque<Entry> queue, Reason reason) {
        while (!queue.isEmpty()) {
            Entry e = queue.pollFirst();
            if (e.frame != null) {
                drop(e, reason);
                return true;
            }
        }
        return false;
    }

    private void release(Entry e, Reason reason) {
        synchronized (accounting) {
            if (e.frame != null) {
                drop(e, reason);
            }
        }
    }

    /** Frees an event's frame and takes it off the counts. Holds accounting. */
    private void drop(Entry e, Reason reason) {
        long size = e.size();
        e.frame = null;
        AppUsage app = e.ring.app;
        app.bytes -= size;
        app.live--;
        bytes -= size;
        live--;
        evictions[reason.ordinal()].incrementAndGet();
    }

    /** Removes dead entries once a queue holds more of them than live ones. Holds accounting. */
    private static void compact(ArrayDeque<Entry> queue, long liveCount) {
        while (!queue.isEmpty() && queue.peekFirst().frame == null) {
            queue.pollFirst();
        }
        if (queue.size() > 2 * liveCount + 1024) {
            queue.removeIf(e -> e.frame == null);
        }
    }

    /**
     * Drops events past their age on channels no longer written, and forgets channels with no events
     * whose sequence is older than {@link #SEQUENCE_KEEP_MS}, or any channel with no events while
     * more channels than {@link #maxChannels} are remembered (their sequences start again from the
     * clock).
     */
    public void sweep() {
        long now = clock.getAsLong();
        for (Ring ring : rings.values()) {
            synchronized (ring) {
                trim(ring, Integer.MAX_VALUE, now);
                boolean tooMany = rings.size() > maxChannels();
                if (ring.entries.isEmpty()
                        && (tooMany || now - ring.lastWrite > Math.max(SEQUENCE_KEEP_MS, 2 * ring.maxAgeMs))) {
                    ring.removed = true;
                    rings.values().remove(ring);
                }
            }
        }
    }
}
