package io.switchboard.broker;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Cluster-wide subscription counts per channel (a channel is occupied while its count is above
 * zero) and connection counts per app.
 */
public interface CountStore {

    /** Adds one subscription; returns the cluster-wide count after it. */
    CompletionStage<Long> increment(ChannelKey channel);

    /** Removes one subscription; returns the cluster-wide count after it. */
    CompletionStage<Long> decrement(ChannelKey channel);

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
}
