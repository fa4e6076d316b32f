package io.switchboard.broker;

import io.switchboard.core.ChannelKey;
import io.switchboard.core.Command;
import io.switchboard.core.Envelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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

    /**
     * Sends {@code envelope} to every node with subscribers on {@code channel}, this one included.
     * When it carries a {@link Envelope#history() retention}, the event is given the channel's next
     * serial and stored in the same step, and delivered with that serial; events of one channel are
     * delivered in serial order on every node, whichever node published them.
     *
     * @return completes once the event is settled: ordered among the channel's events cluster-wide
     *     (Redis ran the publication), or, when the broker could not take it, delivered to this
     *     node's own subscribers. Never fails. An event published after it completed, from any node,
     *     comes after it.
     */
    CompletionStage<Void> publish(ChannelKey channel, Envelope envelope);

    /** This node now has local subscribers on {@code channel}. */
    void subscribe(ChannelKey channel);

    /** This node has no local subscribers on {@code channel} any more. */
    void unsubscribe(ChannelKey channel);

    /**
     * Completes once events published on {@code channel} anywhere reach this node, after {@link
     * #subscribe}; a caller waits for it before telling a client it is subscribed. Never fails: when
     * the subscription cannot be confirmed (the other nodes are unreachable) it completes anyway and
     * the broker keeps trying.
     */
    default CompletionStage<Void> whenSubscribed(ChannelKey channel) {
        return CompletableFuture.completedFuture(null);
    }

    /** Runs {@code command} on every node, this one included. */
    void broadcast(Command command);

    PresenceStore presence();

    CountStore counts();

    CacheStore cache();

    /** The retained events of history channels. */
    HistoryStore history();

    /** Whether the broker can currently reach the other nodes (always true in memory). */
    boolean healthy();

    @Override
    void close();

    /** Receives what other nodes (and this one) publish. Must not block. */
    interface Listener {
        void onEvent(ChannelKey channel, Envelope envelope);

        void onCommand(Command command);

        /**
         * A user's last connection in the presence store under {@code channel} was on a node that
         * died (or on this node while the others could not be told) and was removed; on a presence
         * channel {@code member_removed} has already been published. Also called for entries under
         * other names (the server's own, such as a signed-in user's online key), with nothing
         * published. Called on exactly one node, so webhooks fire once.
         */
        default void memberReaped(ChannelKey channel, String userId) {}

        /** Like {@link #memberReaped}: a channel lost its last subscriber that way. */
        default void channelReaped(ChannelKey channel) {}
    }
}
