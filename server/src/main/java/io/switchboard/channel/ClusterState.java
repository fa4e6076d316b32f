package io.switchboard.channel;

import io.switchboard.broker.Broker;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What the whole cluster knows, as the connections, the REST API and the operator's views ask it:
 * subscription counts, presence members, cache channels' last events, the cluster-wide connection
 * and REST request quotas, and the claims that settle a held-back removal. The broker's stores
 * answer; with one node they are this process's memory, with many they are Redis. Every answer is
 * a {@link CompletionStage} completed on a broker thread: never block on it on an event loop.
 */
public final class ClusterState {
    private final Broker broker;

    public ClusterState(Broker broker) {
        this.broker = broker;
    }

    /** Subscribers of {@code channel} on every node. */
    public CompletionStage<Long> subscriptionCount(ChannelKey channel) {
        return broker.counts().count(channel);
    }

    /** The app's occupied channels whose name starts with {@code prefix}, with their counts. */
    public CompletionStage<Map<String, Long>> occupied(String appId, String prefix) {
        return broker.counts().occupied(appId, prefix);
    }

    /** A presence channel's members, one per user, in join order. */
    public CompletionStage<List<Member>> members(ChannelKey channel) {
        return broker.presence().members(channel);
    }

    /** Distinct users on a presence channel. */
    public CompletionStage<Integer> userCount(ChannelKey channel) {
        return broker.presence().userCount(channel);
    }

    /** A cache channel's last event frame, or {@code null}. */
    public CompletionStage<byte[]> cached(ChannelKey channel) {
        return broker.cache().get(channel);
    }

    /** Takes a place among the app's {@code limit} connections; false when all are taken. */
    public CompletionStage<Boolean> acquireConnection(String appId, int limit) {
        return broker.counts().acquireConnection(appId, limit);
    }

    /** Gives back a place taken with {@link #acquireConnection}. */
    public void releaseConnection(String appId) {
        broker.counts().releaseConnection(appId);
    }

    /**
     * Takes one of the app's {@code perSecond} REST requests; false when the second's are used.
     * True when the limit cannot be checked (the store is unreachable).
     */
    public CompletionStage<Boolean> acquireRequest(String appId, int perSecond) {
        return broker.counts().acquireRequest(appId, perSecond);
    }

    /** Takes the vacancy mark a held-back last leave left; true for exactly one claimant. */
    public CompletionStage<Boolean> claimVacancy(ChannelKey channel) {
        return broker.counts().claimVacancy(channel);
    }

    /** Takes the departure mark a held-back member removal left; true for exactly one claimant. */
    public CompletionStage<Boolean> claimDeparture(ChannelKey channel, String userId) {
        return broker.presence().claimDeparture(channel, userId);
    }
}
