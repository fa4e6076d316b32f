package io.switchboard.broker.redis;

import static io.switchboard.broker.redis.RedisWire.utf8;

import io.lettuce.core.ScriptOutputType;
import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Presence in Redis: one hash field per connection ({@code node:socket -> user}), a reference
 * count and the {@code user_info} per user, changed only by Lua scripts so "first connection",
 * "last connection" and "channel full" hold cluster-wide. Members are not kept in join order.
 */
final class RedisPresence implements PresenceStore {
    private final RedisLink link;
    private final RedisKeys keys;
    private final String nodeId;
    private final NodeLedger ledger;
    private final RedisClock clock;
    private final Runnable stale;

    /** @param stale called when a change may not have reached Redis */
    RedisPresence(RedisLink link, RedisKeys keys, String nodeId, NodeLedger ledger, RedisClock clock, Runnable stale) {
        this.link = link;
        this.keys = keys;
        this.nodeId = nodeId;
        this.ledger = ledger;
        this.clock = clock;
        this.stale = stale;
    }

    private String[] scriptKeys(ChannelKey channel, String userId) {
        return new String[] {
            keys.presence(channel),
            keys.users(channel),
            keys.info(channel),
            keys.nodePresence(channel.appId(), nodeId),
            keys.departure(channel, userId)
        };
    }

    /**
     * Adds the connection unless Redis runs the join after its deadline ({@link RedisClock}). A join
     * that fails is refused to the client; when Redis did not answer it may still have run it,
     * so the record keeps it as abandoned and the next reconcile drops it without a report.
     */
    @Override
    public CompletionStage<JoinResult> join(ChannelKey channel, String socketId, Member member, int maxMembers) {
        NodeLedger.AppRecord record = ledger.app(channel.appId());
        String[] scriptKeys = scriptKeys(channel, member.userId());
        CompletionStage<List<Object>> reply;
        synchronized (record) {
            record.joining(channel.name(), socketId, true);
            reply = link.script(
                    RedisScripts.JOIN,
                    ScriptOutputType.MULTI,
                    scriptKeys,
                    utf8(nodeId),
                    utf8(socketId),
                    utf8(member.userId()),
                    utf8(member.userInfo() == null ? "" : member.userInfo()),
                    utf8(maxMembers),
                    utf8(channel.name()),
                    utf8(clock.deadline(scriptKeys[0])));
        }
        return reply.handle((r, error) -> {
            if (error == null) {
                clock.observed(scriptKeys[0], RedisWire.number(r.get(4)));
            }
            boolean late = error == null && RedisWire.number(r.get(0)) < 0;
            JoinResult result = error == null && !late ? parse(r) : null;
            synchronized (record) {
                record.joining(channel.name(), socketId, false);
                if (result != null && result.accepted()) {
                    record.joined(channel.name(), socketId, member);
                } else if (error != null) {
                    record.joinAbandoned(channel.name(), socketId);
                }
            }
            if (error != null) {
                stale.run();
                throw new CompletionException(RedisHealth.unwrap(error));
            }
            if (late) {
                throw new CompletionException(new IllegalStateException("Redis ran the join after its deadline"));
            }
            return result;
        });
    }

    private static JoinResult parse(List<Object> reply) {
        boolean accepted = RedisWire.number(reply.get(0)) == 1;
        boolean first = RedisWire.number(reply.get(1)) == 1;
        boolean returning = RedisWire.number(reply.get(3)) == 1;
        return new JoinResult(accepted, first, returning, accepted ? members((List<?>) reply.get(2)) : List.of());
    }

    private static List<Member> members(List<?> flat) {
        List<Member> out = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String info = RedisWire.text(flat.get(i + 1));
            out.add(new Member(RedisWire.text(flat.get(i)), info == null || info.isEmpty() ? null : info));
        }
        return out;
    }

    /**
     * Removes the connection. When Redis does not answer, nobody is told now: the record keeps the
     * departure, and once Redis answers again a reconcile announces it ({@link
     * NodeLedger.Departure}).
     */
    @Override
    public CompletionStage<Boolean> leave(ChannelKey channel, String socketId, String userId, long holdMs) {
        NodeLedger.AppRecord record = ledger.app(channel.appId());
        CompletionStage<Long> reply;
        Member member;
        synchronized (record) {
            member = record.leaving(channel.name(), socketId, userId);
            reply = link.script(
                    RedisScripts.LEAVE,
                    ScriptOutputType.INTEGER,
                    scriptKeys(channel, userId),
                    utf8(nodeId),
                    utf8(socketId),
                    utf8(channel.name()),
                    utf8(holdMs > 0 ? holdMs + MARK_MARGIN_MS : 0));
        }
        return reply.handle((last, error) -> {
            synchronized (record) {
                record.left(channel.name(), socketId, error == null ? null : member);
            }
            if (error != null) {
                stale.run();
                throw new CompletionException(RedisHealth.unwrap(error));
            }
            return last == 1;
        });
    }

    @Override
    public CompletionStage<Boolean> claimDeparture(ChannelKey channel, String userId) {
        return link.<Long>call(() -> link.commands().del(keys.departure(channel, userId)))
                .thenApply(n -> n == 1);
    }

    @Override
    public CompletionStage<List<Member>> members(ChannelKey channel) {
        CompletionStage<Map<String, byte[]>> all =
                link.call(() -> link.commands().hgetall(keys.info(channel)));
        return all.thenApply(map -> {
            List<Member> out = new ArrayList<>(map.size());
            map.forEach((user, info) -> out.add(new Member(user, info.length == 0 ? null : RedisWire.text(info))));
            return out;
        });
    }

    @Override
    public CompletionStage<Integer> userCount(ChannelKey channel) {
        return link.<Long>call(() -> link.commands().hlen(keys.users(channel))).thenApply(Long::intValue);
    }
}
