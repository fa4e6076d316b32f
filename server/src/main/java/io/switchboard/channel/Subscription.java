package io.switchboard.channel;

import io.switchboard.broker.ChannelKey;
import io.switchboard.protocol.ChannelType;

/**
 * One connection's subscription to one channel. Owned by the connection, touched on its loop.
 *
 * @see Channels#subscribe
 */
public final class Subscription {
    private final ChannelKey channel;
    private final ChannelType type;
    private final String presenceUserId;
    private ChannelTable.Slot slot;
    /** Stands in the table while past events are replayed; {@code null} for other subscriptions. */
    private ReplayingSubscriber replaying;

    private boolean cancelled;
    private boolean refused;

    Subscription(ChannelKey channel, ChannelType type, String presenceUserId) {
        this.channel = channel;
        this.type = type;
        this.presenceUserId = presenceUserId;
    }

    public ChannelKey channel() {
        return channel;
    }

    public ChannelType type() {
        return type;
    }

    /** The member id on a presence channel, {@code null} elsewhere. */
    public String presenceUserId() {
        return presenceUserId;
    }

    /** Whether the subscription is complete: it receives events. */
    public boolean active() {
        return slot != null && !cancelled;
    }

    void activate(ChannelTable.Slot slot) {
        this.slot = slot;
    }

    void replaying(ReplayingSubscriber replaying) {
        this.replaying = replaying;
    }

    ReplayingSubscriber replaying() {
        return replaying;
    }

    ChannelTable.Slot slot() {
        return slot;
    }

    boolean cancel() {
        boolean was = cancelled;
        cancelled = true;
        return !was;
    }

    /** Whether the subscribe was refused (e.g. a full presence channel); it never becomes active. */
    public boolean refused() {
        return refused;
    }

    void refuse() {
        refused = true;
    }

    boolean cancelled() {
        return cancelled;
    }
}
