package io.switchboard.webhook;

import java.util.Set;

/**
 * Where webhook batches wait until their receiver accepts them: one ordered lane per target. The
 * file queue keeps them across restarts of one node; the Redis queue shares them between the nodes
 * of a cluster, so that a batch formed on any node is delivered by exactly one of them.
 *
 * <p>Targets are named by {@link WebhookTarget#key()} ({@code appId + " " + url}). {@link #add} is
 * called on the webhook thread; {@link #take}, {@link #delivering} and {@link #ack} on the target's
 * sender thread. Any method may block (on disk or on Redis), never on an event loop.
 */
public interface WebhookQueue extends AutoCloseable {

    /**
     * Starts serving these targets' lanes, before any other call. Batches stored earlier for other
     * targets are dropped, when the queue can tell.
     */
    void open(Set<String> targets);

    /**
     * Starts serving lanes of targets added after {@link #open} (an app given a webhook live). Lanes
     * are created on first use where that needs nothing more.
     */
    default void addTargets(Set<String> targets) {}

    /** Stores a new batch at the end of its target's lane. */
    void add(String target, String body, long createdMillis);

    /**
     * Blocks until this node may deliver the next batch of {@code target}'s lane, and returns it.
     * Batches are returned in the order they were added; one not acknowledged comes again when
     * delivery of the lane starts over (after a restart, or on another node).
     *
     * @throws InterruptedException when the calling thread is interrupted or the queue is closed
     */
    WebhookBatch take(String target) throws InterruptedException;

    /**
     * Whether this node still delivers {@code target}'s lane. When it stops (another node took the
     * lane over), a batch taken earlier must be left unacknowledged: it is delivered again, in
     * order, by whichever node delivers the lane next.
     */
    boolean delivering(String target);

    /** Removes a batch that was delivered or given up. */
    void ack(WebhookBatch batch);

    /** Batches of {@code target} waiting for delivery, as far as this node knows; never blocks. */
    long depth(String target);

    /**
     * Batches of {@code target} this node dropped because the target's backlog passed its cap
     * ({@code max_backlog_bytes}), since it started; never blocks.
     */
    long dropped(String target);

    /**
     * When the oldest batch of {@code target} not yet acknowledged was formed, as far as this node
     * knows, or 0 when there is none; never blocks.
     */
    long oldestMillis(String target);

    @Override
    void close();
}
