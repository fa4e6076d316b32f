package io.switchboard.broker.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.broker.CountStore;
import io.switchboard.core.ChannelKey;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Subscription and connection counts, the REST request rate and vacancy marks of one process.
 *
 * <p>A channel's count is an immutable {@code Long} replaced under the map's per-key lock: counts
 * below 128 are the JDK's shared instances, so most channels cost only their map entry.
 */
final class MemoryCounts implements CountStore {
    private final Map<String, Map<String, Long>> channels = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final Map<String, RateLimiter> requests = new ConcurrentHashMap<>();
    private final Marks marks;

    MemoryCounts(Marks marks) {
        this.marks = marks;
    }

    private Map<String, Long> app(String appId) {
        return channels.computeIfAbsent(appId, a -> new ConcurrentHashMap<>());
    }

    @Override
    public CompletionStage<Change> increment(ChannelKey channel) {
        Change[] after = new Change[1];
        app(channel.appId()).compute(channel.name(), (n, c) -> {
            long value = c == null ? 1 : c + 1;
            after[0] = new Change(value, value == 1 && marks.take(channel, null));
            return value;
        });
        return completedFuture(after[0]);
    }

    @Override
    public CompletionStage<Change> decrement(ChannelKey channel, long holdMs) {
        long[] after = new long[1];
        app(channel.appId()).computeIfPresent(channel.name(), (n, c) -> {
            after[0] = Math.max(0, c - 1);
            if (after[0] > 0) {
                return after[0];
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
        Map<String, Long> app = channels.get(channel.appId());
        Long c = app == null ? null : app.get(channel.name());
        return completedFuture(c == null ? 0L : c);
    }

    @Override
    public CompletionStage<Map<String, Long>> occupied(String appId, String prefix) {
        Map<String, Long> out = new TreeMap<>();
        Map<String, Long> app = channels.get(appId);
        if (app != null) {
            app.forEach((name, n) -> {
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
