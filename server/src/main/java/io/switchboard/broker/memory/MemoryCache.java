package io.switchboard.broker.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.broker.CacheStore;
import io.switchboard.core.ChannelKey;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Cache channels' last events of one process, each with its time to live. */
final class MemoryCache implements CacheStore {
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
