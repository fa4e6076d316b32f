package io.switchboard.broker;

import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
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
    default CompletionStage<Boolean> leave(ChannelKey channel, String socketId, String userId) {
        return leave(channel, socketId, userId, 0);
    }

    /**
     * Removes one connection. When it was the user's last and {@code holdMs} is above zero, the
     * store keeps a departure mark (for {@code holdMs} plus {@link #MARK_MARGIN_MS}): the user's next
     * first connection takes it ({@link JoinResult#returning}), or {@link #claimDeparture} does.
     * Exactly one of the two gets it, cluster-wide, whatever order their callers see results in.
     *
     * @return whether it was the user's last connection on the channel
     */
    CompletionStage<Boolean> leave(ChannelKey channel, String socketId, String userId, long holdMs);

    /**
     * Takes the departure mark of {@code userId} left by {@link #leave}; true when it was still
     * there, false when the user came back first (or the mark expired).
     */
    CompletionStage<Boolean> claimDeparture(ChannelKey channel, String userId);

    /** Distinct members, in join order. */
    CompletionStage<List<Member>> members(ChannelKey channel);

    /** Number of distinct members. */
    CompletionStage<Integer> userCount(ChannelKey channel);

    /**
     * How long a departure mark outlives the hold it was left for, so a holder that is a little
     * late still finds it; a mark whose holder died expires after it.
     */
    long MARK_MARGIN_MS = 60_000;

    /**
     * @param accepted false when the channel is full; nothing was added
     * @param firstConnection true when the user had no connection on the channel before
     * @param returning a first connection that took the user's departure mark: the user left and
     *     came back within the hold
     * @param members distinct members after the join, the joiner included
     */
    record JoinResult(boolean accepted, boolean firstConnection, boolean returning, List<Member> members) {}
}
