package io.switchboard.broker.redis;

import io.lettuce.core.cluster.SlotHash;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Redis's clock as far as this node can bound it, for deadlines that Redis itself checks: a script
 * given a deadline does nothing when Redis runs it later. Commands sent just before Redis froze
 * wait in its sockets and run when it resumes, long after this node gave up on them and acted as
 * if they had failed; with a deadline they find it passed and change nothing.
 *
 * <p>A reading is a Redis time that a script returned, taken when its answer arrived here. Redis
 * read its clock before the answer arrived, so the reading plus the time elapsed here since is
 * never ahead of Redis's clock: a deadline built from it is, in Redis time, never later than the
 * moment this node gives up. Node clocks play no part (only this node's monotonic clock, for the
 * time elapsed), so clock skew between nodes does not matter. Redis's clock does: if it is set
 * back by more than half the command timeout, a command held up that long can still run, until the
 * next answer brings the reading up to date; if it jumps forward, commands are refused as late
 * until then. In a Redis Cluster each shard has its own clock, so readings are kept per hash slot,
 * each from answers of the shard owning it; a slot without a reading yet gets no deadline.
 */
final class RedisClock {
    private static final long NONE = Long.MIN_VALUE;

    private final boolean cluster;
    private final long marginMs;
    /** Per slot (one for a single Redis): Redis time minus local monotonic time, in ms. */
    private final AtomicLongArray offsets;

    /**
     * @param cluster whether Redis is a cluster (one reading per slot)
     * @param commandTimeoutMs after how long this node gives up on a command
     */
    RedisClock(boolean cluster, long commandTimeoutMs) {
        this.cluster = cluster;
        // Half the timeout: a command that runs in time has the other half for its answer to
        // arrive before this node gives up, so an answer is lost only when Redis or the network
        // stalls longer than that right after running it.
        this.marginMs = commandTimeoutMs / 2;
        this.offsets = new AtomicLongArray(cluster ? SlotHash.SLOT_COUNT : 1);
        for (int i = 0; i < offsets.length(); i++) {
            offsets.set(i, NONE);
        }
    }

    /** An answer about {@code key} arrived now, carrying Redis time {@code redisMs}. */
    void observed(String key, long redisMs) {
        offsets.set(slot(key), redisMs - localMs());
    }

    /**
     * The Redis time (ms) after which a command about {@code key} sent now must change nothing, or
     * 0 when there is no reading for its shard yet (no deadline).
     */
    long deadline(String key) {
        long offset = offsets.get(slot(key));
        return offset == NONE ? 0 : localMs() + offset + marginMs;
    }

    private int slot(String key) {
        return cluster ? SlotHash.getSlot(key) : 0;
    }

    private static long localMs() {
        return System.nanoTime() / 1_000_000;
    }
}
