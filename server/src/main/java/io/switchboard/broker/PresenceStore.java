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
     * The prefix of a user's online key: while the user has a signed-in connection, each such
     * connection is one reference under {@code #user:ID}, a name no client can subscribe to.
     */
    String ONLINE_PREFIX = "#user:";

    /** Where the sign-ins of {@code userId} are kept, as a presence channel of its own. */
    static ChannelKey onlineKey(String appId, String userId) {
        return new ChannelKey(appId, ONLINE_PREFIX + userId);
    }

    /**
     * Records one signed-in connection of {@code userId}; the result says whether the user had none
     * before. The same as joining the user's {@link #onlineKey}, which is what a store that keeps
     * them no differently does.
     */
    default CompletionStage<Boolean> signIn(String appId, String userId, String socketId) {
        return join(onlineKey(appId, userId), socketId, new Member(userId, null), Integer.MAX_VALUE)
                .thenApply(JoinResult::firstConnection);
    }

    /** Removes one signed-in connection; the result says whether it was the user's last. */
    default CompletionStage<Boolean> signOut(String appId, String userId, String socketId) {
        return leave(onlineKey(appId, userId), socketId, userId);
    }

    /** Whether {@code userId} has a signed-in connection: 1, or 0. */
    default CompletionStage<Integer> online(String appId, String userId) {
        return userCount(onlineKey(appId, userId));
    }

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
