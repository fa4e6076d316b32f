package io.switchboard.broker;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.broker.memory.MemoryHistory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The single-process broker: everything lives in this JVM, nothing to set up. */
public final class MemoryBroker implements Broker {
    private volatile Listener listener;
    private final Marks marks = new Marks();
    private final MemoryPresence presence = new MemoryPresence(marks);
    private final MemoryCounts counts = new MemoryCounts(marks);
    private final MemoryCache cache = new MemoryCache();
    private final MemoryHistory history;

    /** Channel histories may hold {@value #DEFAULT_HISTORY_BYTES} bytes together. */
    public MemoryBroker() {
        this(DEFAULT_HISTORY_BYTES);
    }

    /** @param historyMaxBytes what all channel histories may hold together */
    public MemoryBroker(long historyMaxBytes) {
        this.history = new MemoryHistory(historyMaxBytes, System::currentTimeMillis);
    }

    public static final long DEFAULT_HISTORY_BYTES = 256L << 20;

    @Override
    public void start(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void publish(ChannelKey channel, Envelope envelope) {
        if (envelope.history() != null) {
            history.append(channel, envelope, listener::onEvent);
        } else {
            listener.onEvent(channel, envelope);
        }
    }

    @Override
    public void subscribe(ChannelKey channel) {}

    @Override
    public void unsubscribe(ChannelKey channel) {}

    @Override
    public void broadcast(Command command) {
        listener.onCommand(command);
    }

    @Override
    public PresenceStore presence() {
        return presence;
    }

    @Override
    public CountStore counts() {
        return counts;
    }

    @Override
    public CacheStore cache() {
        return cache;
    }

    @Override
    public MemoryHistory history() {
        return history;
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public void close() {}

    /**
     * Departure and vacancy marks ({@code userId} null for a channel's vacancy), each with its
     * deadline. Changes set and take them inside the compute of their roster or count, so marks
     * follow the order of the changes; a claim needs no lock, the removal itself is atomic.
     */
    private static final class Marks {
        private record Mark(ChannelKey channel, String userId) {}

        private final Map<Mark, Long> deadlines = new ConcurrentHashMap<>();

        void put(ChannelKey channel, String userId, long holdMs) {
            if (holdMs > 0) {
                long ttl = TimeUnit.MILLISECONDS.toNanos(holdMs + PresenceStore.MARK_MARGIN_MS);
                deadlines.put(new Mark(channel, userId), System.nanoTime() + ttl);
            }
        }

        boolean take(ChannelKey channel, String userId) {
            Long deadline = deadlines.remove(new Mark(channel, userId));
            return deadline != null && deadline - System.nanoTime() > 0;
        }
    }

    private static final class MemoryPresence implements PresenceStore {
        private final Map<ChannelKey, Roster> rosters = new ConcurrentHashMap<>();
        private final Marks marks;

        MemoryPresence(Marks marks) {
            this.marks = marks;
        }

        @Override
        public CompletionStage<JoinResult> join(ChannelKey channel, String socketId, Member member, int maxMembers) {
            JoinResult[] result = new JoinResult[1];
            rosters.compute(channel, (k, roster) -> {
                Roster r = roster == null ? new Roster() : roster;
                JoinResult joined = r.join(socketId, member, maxMembers);
                result[0] = joined.firstConnection() && marks.take(channel, member.userId())
                        ? new JoinResult(true, true, true, joined.members())
                        : joined;
                return r.isEmpty() ? null : r;
            });
            return completedFuture(result[0]);
        }

        @Override
        public CompletionStage<Boolean> leave(ChannelKey channel, String socketId, String userId, long holdMs) {
            boolean[] last = new boolean[1];
            rosters.computeIfPresent(channel, (k, r) -> {
                last[0] = r.leave(socketId, userId);
                if (last[0]) {
                    marks.put(channel, userId, holdMs);
                }
                return r.isEmpty() ? null : r;
            });
            return completedFuture(last[0]);
        }

        @Override
        public CompletionStage<Boolean> claimDeparture(ChannelKey channel, String userId) {
            return completedFuture(marks.take(channel, userId));
        }

        @Override
        public CompletionStage<List<Member>> members(ChannelKey channel) {
            Roster r = rosters.get(channel);
            if (r == null) {
                return completedFuture(List.of());
            }
            synchronized (r) {
                return completedFuture(r.members());
            }
        }

        @Override
        public CompletionStage<Integer> userCount(ChannelKey channel) {
            Roster r = rosters.get(channel);
            if (r == null) {
                return completedFuture(0);
            }
            synchronized (r) {
                return completedFuture(r.users.size());
            }
        }
    }

    /** Members of one channel; guarded by the map's compute lock and its own monitor for reads. */
    private static final class Roster {
        private final LinkedHashMap<String, Entry> users = new LinkedHashMap<>();

        private record Entry(Member member, Set<String> sockets) {}

        synchronized PresenceStore.JoinResult join(String socketId, Member member, int maxMembers) {
            Entry existing = users.get(member.userId());
            if (existing == null) {
                if (users.size() >= maxMembers) {
                    return new PresenceStore.JoinResult(false, false, false, List.of());
                }
                Set<String> sockets = new HashSet<>();
                sockets.add(socketId);
                users.put(member.userId(), new Entry(member, sockets));
                return new PresenceStore.JoinResult(true, true, false, members());
            }
            existing.sockets().add(socketId);
            return new PresenceStore.JoinResult(true, false, false, members());
        }

        synchronized boolean leave(String socketId, String userId) {
            Entry e = users.get(userId);
            if (e == null || !e.sockets().remove(socketId)) {
                return false;
            }
            if (e.sockets().isEmpty()) {
                users.remove(userId);
                return true;
            }
            return false;
        }

        synchronized boolean isEmpty() {
            return users.isEmpty();
        }

        List<Member> members() {
            List<Member> out = new ArrayList<>(users.size());
            for (Entry e : users.values()) {
                out.add(e.member());
            }
            return out;
        }
    }

    private static final class MemoryCounts implements CountStore {
        private final Map<String, Map<String, AtomicLong>> channels = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
        private final Map<String, RateLimiter> requests = new ConcurrentHashMap<>();
        private final Marks marks;

        MemoryCounts(Marks marks) {
            this.marks = marks;
        }

        private Map<String, AtomicLong> app(String appId) {
            return channels.computeIfAbsent(appId, a -> new ConcurrentHashMap<>());
        }

        @Override
        public CompletionStage<Change> increment(ChannelKey channel) {
            Change[] after = new Change[1];
            app(channel.appId()).compute(channel.name(), (n, c) -> {
                AtomicLong count = c == null ? new AtomicLong() : c;
                long value = count.incrementAndGet();
                after[0] = new Change(value, value == 1 && marks.take(channel, null));
                return count;
            });
            return completedFuture(after[0]);
        }

        @Override
        public CompletionStage<Change> decrement(ChannelKey channel, long holdMs) {
            long[] after = new long[1];
            app(channel.appId()).computeIfPresent(channel.name(), (n, c) -> {
                after[0] = Math.max(0, c.decrementAndGet());
                if (after[0] > 0) {
                    return c;
                }
                marks.put(channel, null, holdMs);
                return null;
            });
            return completedFuture(new Change(after[0], false));
        }

        @Override
        public CompletionStage<Boolean> claimVacancy(ChannelKey channel) {
            return completedFuture(marks.take(channel, null));
        }

        @Override
        public CompletionStage<Long> count(ChannelKey channel) {
            Map<String, AtomicLong> app = channels.get(channel.appId());
            AtomicLong c = app == null ? null : app.get(channel.name());
            return completedFuture(c == null ? 0L : c.get());
        }

        @Override
        public CompletionStage<Map<String, Long>> occupied(String appId, String prefix) {
            Map<String, Long> out = new TreeMap<>();
            Map<String, AtomicLong> app = channels.get(appId);
            if (app != null) {
                app.forEach((name, c) -> {
                    long n = c.get();
                    if (n > 0 && name.startsWith(prefix)) {
                        out.put(name, n);
                    }
                });
            }
            return completedFuture(out);
        }

        @Override
        public CompletionStage<Boolean> acquireConnection(String appId, int limit) {
            AtomicInteger open = connections.computeIfAbsent(appId, a -> new AtomicInteger());
            while (true) {
                int n = open.get();
                if (limit > 0 && n >= limit) {
                    return completedFuture(false);
                }
                if (open.compareAndSet(n, n + 1)) {
                    return completedFuture(true);
                }
            }
        }

        @Override
        public CompletionStage<Boolean> acquireRequest(String appId, int perSecond) {
            RateLimiter limiter = requests.computeIfAbsent(appId, a -> new RateLimiter(perSecond, System::nanoTime));
            return completedFuture(limiter.tryAcquire());
        }

        @Override
        public void releaseConnection(String appId) {
            AtomicInteger open = connections.get(appId);
            if (open != null) {
                open.decrementAndGet();
            }
        }
    }

    private static final class MemoryCache implements CacheStore {
        private final Map<ChannelKey, Cached> entries = new ConcurrentHashMap<>();
        private final AtomicInteger puts = new AtomicInteger();

        private record Cached(byte[] frame, long expiresAtNanos) {
            boolean expired(long now) {
                return now - expiresAtNanos >= 0;
            }
        }

        @Override
        public void put(ChannelKey channel, byte[] frame, int ttlSeconds) {
            long now = System.nanoTime();
            entries.put(channel, new Cached(frame, now + ttlSeconds * 1_000_000_000L));
            if ((puts.incrementAndGet() & 1023) == 0) {
                entries.values().removeIf(c -> c.expired(now));
            }
        }

        @Override
        public CompletionStage<byte[]> get(ChannelKey channel) {
            Cached c = entries.get(channel);
            if (c == null) {
                return completedFuture(null);
            }
            if (c.expired(System.nanoTime())) {
                entries.remove(channel, c);
                return completedFuture(null);
            }
            return completedFuture(c.frame());
        }
    }
}
