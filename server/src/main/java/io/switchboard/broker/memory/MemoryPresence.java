package io.switchboard.broker.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import io.switchboard.core.OneOrMore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence rosters of one process, with departure marks set and taken inside each change, and its
 * sign-ins.
 */
final class MemoryPresence implements PresenceStore {
    private final Map<ChannelKey, Roster> rosters = new ConcurrentHashMap<>();
    /**
     * Sign-ins by app, then by user id: the socket ids of the user's signed-in connections, as
     * {@link OneOrMore}. Keyed by the connection's own strings, so that a signed-in connection costs
     * one map entry (a roster under the user's online key costs about 120 B more: bench/RESULTS.md).
     */
    private final Map<String, Map<String, Object>> signIns = new ConcurrentHashMap<>();

    private final Marks marks;

    MemoryPresence(Marks marks) {
        this.marks = marks;
    }

    @Override
    public CompletionStage<JoinResult> join(ChannelKey channel, String socketId, Member member, int maxMembers) {
        JoinResult[] result = new JoinResult[1];
        rosters.compute(channel, (k, roster) -> {
            Roster r = roster == null ? new Roster() : roster;
            JoinResult joined = r.join(socketId, member, maxMembers);
            result[0] = joined.firstConnection() && marks.take(channel, member.userId())
                    ? new JoinResult(true, true, true, joined.members())
                    : joined;
            return r.isEmpty() ? null : r;
        });
        return completedFuture(result[0]);
    }

    @Override
    public CompletionStage<Boolean> leave(ChannelKey channel, String socketId, String userId, long holdMs) {
        boolean[] last = new boolean[1];
        rosters.computeIfPresent(channel, (k, r) -> {
            last[0] = r.leave(socketId, userId);
            if (last[0]) {
                marks.put(channel, userId, holdMs);
            }
            return r.isEmpty() ? null : r;
        });
        return completedFuture(last[0]);
    }

    @Override
    public CompletionStage<Boolean> claimDeparture(ChannelKey channel, String userId) {
        return completedFuture(marks.take(channel, userId));
    }

    @Override
    public CompletionStage<List<Member>> members(ChannelKey channel) {
        Roster r = rosters.get(channel);
        if (r == null) {
            return completedFuture(List.of());
        }
        synchronized (r) {
            return completedFuture(r.members());
        }
    }

    @Override
    public CompletionStage<Boolean> signIn(String appId, String userId, String socketId) {
        boolean[] first = new boolean[1];
        signIns.computeIfAbsent(appId, a -> new ConcurrentHashMap<>()).compute(userId, (k, held) -> {
            first[0] = held == null;
            return OneOrMore.with(held, socketId);
        });
        return completedFuture(first[0]);
    }

    @Override
    public CompletionStage<Boolean> signOut(String appId, String userId, String socketId) {
        Map<String, Object> users = signIns.get(appId);
        boolean[] last = new boolean[1];
        if (users != null) {
            users.computeIfPresent(userId, (k, held) -> {
                Object rest = OneOrMore.without(held, socketId);
                last[0] = rest == null;
                return rest;
            });
        }
        return completedFuture(last[0]);
    }

    @Override
    public CompletionStage<Integer> online(String appId, String userId) {
        Map<String, Object> users = signIns.get(appId);
        return completedFuture(users != null && users.containsKey(userId) ? 1 : 0);
    }

    @Override
    public CompletionStage<Integer> userCount(ChannelKey channel) {
        Roster r = rosters.get(channel);
        if (r == null) {
            return completedFuture(0);
        }
        synchronized (r) {
            return completedFuture(r.userCount());
        }
    }
}
