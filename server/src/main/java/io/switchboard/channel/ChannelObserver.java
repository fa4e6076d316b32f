package io.switchboard.channel;

import io.switchboard.broker.ChannelKey;

/**
 * Told about channel lifecycle events, e.g. to send webhooks. Called from event loops; must not
 * block. Every method defaults to doing nothing.
 */
public interface ChannelObserver {
    ChannelObserver NONE = new ChannelObserver() {};

    default void channelOccupied(ChannelKey channel) {}

    default void channelVacated(ChannelKey channel) {}

    default void memberAdded(ChannelKey channel, String userId) {}

    default void memberRemoved(ChannelKey channel, String userId) {}

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
