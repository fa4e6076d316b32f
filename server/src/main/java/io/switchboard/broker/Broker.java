package io.switchboard.broker;

/**
 * The seam between nodes. One per process. The memory broker serves a single process; a
 * distributed broker makes several processes act as one.
 *
 * <p>Delivery is interest-based: a node receives events only for channels it has {@link
 * #subscribe subscribed} to, and its own publications reach it through the same path.
 */
public interface Broker extends AutoCloseable {

    /** Starts delivery to {@code listener}. Called once, before any other method. */
    void start(Listener listener);

    /** Sends {@code envelope} to every node with subscribers on {@code channel}, this one included. */
    void publish(ChannelKey channel, Envelope envelope);

    /** This node now has local subscribers on {@code channel}. */
    void subscribe(ChannelKey channel);

    /** This node has no local subscribers on {@code channel} any more. */
    void unsubscribe(ChannelKey channel);

    /** Runs {@code command} on every node, this one included. */
    void broadcast(Command command);

    PresenceStore presence();

    CountStore counts();

    CacheStore cache();

    /** Whether the broker can currently reach the other nodes (always true in memory). */
    boolean healthy();

    @Override
    void close();

    /** Receives what other nodes (and this one) publish. Must not block. */
    interface Listener {
        void onEvent(ChannelKey channel, Envelope envelope);

        void onCommand(Command command);
    }
}
