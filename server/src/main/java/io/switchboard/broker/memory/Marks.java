package io.switchboard.broker.memory;

import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Departure and vacancy marks ({@code userId} null for a channel's vacancy), each with its
 * deadline. Changes set and take them inside the compute of their roster or count, so marks
 * follow the order of the changes; a claim needs no lock, the removal itself is atomic.
 */
final class Marks {
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
