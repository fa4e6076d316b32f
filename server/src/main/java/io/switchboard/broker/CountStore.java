package io.switchboard.broker;

import io.switchboard.core.ChannelKey;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Cluster-wide subscription counts per channel (a channel is occupied while its count is above
 * zero) and connection counts per app.
 */
public interface CountStore {

    /**
     * Adds one subscription. When the channel becomes occupied again while a vacancy mark left by
     * {@link #decrement} is there, the change takes it ({@link Change#returning}).
     */
    CompletionStage<Change> increment(ChannelKey channel);

    /** Removes one subscription, leaving no vacancy mark. */
    default CompletionStage<Change> decrement(ChannelKey channel) {
        return decrement(channel, 0);
    }

    /**
     * Removes one subscription. When the channel becomes vacant and {@code holdMs} is above zero,
     * the store keeps a vacancy mark (for {@code holdMs} plus {@link PresenceStore#MARK_MARGIN_MS})
     * that the next occupying {@link #increment} or {@link #claimVacancy} takes; exactly one of
     * them gets it.
     */
    CompletionStage<Change> decrement(ChannelKey channel, long holdMs);

    /** Takes the vacancy mark of {@code channel}; false when it was occupied again first. */
    CompletionStage<Boolean> claimVacancy(ChannelKey channel);

    /** The current count; 0 for an unoccupied channel. */
    CompletionStage<Long> count(ChannelKey channel);

    /** Occupied channels of the app whose name starts with {@code prefix}, with their counts. */
    CompletionStage<Map<String, Long>> occupied(String appId, String prefix);

    /**
     * Reserves one connection slot for the app; returns false, reserving nothing, when {@code
     * limit} (if above zero) connections are already open.
     */
    CompletionStage<Boolean> acquireConnection(String appId, int limit);

    void releaseConnection(String appId);

    /**
     * Takes one of the app's REST requests for the current second, cluster-wide; false when
     * {@code perSecond} are already taken. Lets the request through when the limit cannot be
     * checked (the store is unreachable).
     */
    CompletionStage<Boolean> acquireRequest(String appId, int perSecond);

    /**
     * @param count the cluster-wide subscription count after the change
     * @param returning the change occupied the channel again and took its vacancy mark
     */
    record Change(long count, boolean returning) {}
}
