package io.switchboard.channel;

import io.switchboard.core.ChannelKey;

/**
 * Told about channel lifecycle events, e.g. to send webhooks. Called from event loops; must not
 * block. Every method defaults to doing nothing.
 */
public interface ChannelObserver {
    ChannelObserver NONE = new ChannelObserver() {};

    /**
     * How long the removals of {@code appId} are held back: a channel vacated or a member leaving
     * leaves a mark in the broker's stores for that long (0: no mark), which either the return
     * takes or the observer claims when the hold ends (see {@link
     * io.switchboard.broker.PresenceStore#leave(ChannelKey, String, String, long)}).
     */
    default long removalHoldMs(String appId) {
        return 0;
    }

    /** @param returning occupied again within the hold: it took the vacancy mark */
    default void channelOccupied(ChannelKey channel, boolean returning) {}

    /** @param marked a vacancy mark was left for the hold */
    default void channelVacated(ChannelKey channel, boolean marked) {}

    /** @param returning back within the hold: the join took the departure mark */
    default void memberAdded(ChannelKey channel, String userId, boolean returning) {}

    /** @param marked a departure mark was left for the hold */
    default void memberRemoved(ChannelKey channel, String userId, boolean marked) {}

    default void cacheMiss(ChannelKey channel) {}

    default void subscriptionCount(ChannelKey channel, long count) {}

    /**
     * A client event was relayed.
     *
     * @param data the event data as JSON text
     * @param userId the sender's presence user id, or {@code null} off presence channels
     */
    default void clientEvent(ChannelKey channel, String event, String data, String socketId, String userId) {}
}
