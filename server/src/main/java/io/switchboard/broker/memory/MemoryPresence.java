package io.switchboard.broker.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Presence rosters of one process, with departure marks set and taken inside each change. */
final class MemoryPresence implements PresenceStore {
    private final Map<ChannelKey, Roster> rosters = new ConcurrentHashMap<>();
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
