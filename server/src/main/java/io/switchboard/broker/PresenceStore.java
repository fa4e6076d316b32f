package io.switchboard.broker;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Presence members of every channel, cluster-wide. A user is a member while at least one of its
 * connections is subscribed; each connection is one reference.
 *
 * <p>Stages may complete on any thread; callers hop back to their own event loop.
 */
public interface PresenceStore {

    /**
     * Adds one connection of {@code userId}. Refused when the user is new and the channel already
     * has {@code maxMembers} distinct users.
     */
    CompletionStage<JoinResult> join(ChannelKey channel, String socketId, Member member, int maxMembers);

    /** Removes one connection; the result says whether it was the user's last on the channel. */
    CompletionStage<Boolean> leave(ChannelKey channel, String socketId, String userId);

    /** Distinct members, in join order. */
    CompletionStage<List<Member>> members(ChannelKey channel);

    /** Number of distinct members. */
    CompletionStage<Integer> userCount(ChannelKey channel);

    /**
     * @param accepted false when the channel is full; nothing was added
     * @param firstConnection true when the user had no connection on the channel before
     * @param members distinct members after the join, the joiner included
     */
    record JoinResult(boolean accepted, boolean firstConnection, List<Member> members) {}
}
