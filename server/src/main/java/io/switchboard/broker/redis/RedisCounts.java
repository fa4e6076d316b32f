package io.switchboard.broker.redis;

import static io.switchboard.broker.redis.RedisWire.utf8;

import io.lettuce.core.ScriptOutputType;
import io.switchboard.broker.CountStore;
import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Subscription counts and connection counts in Redis. Each app keeps one hash of channel totals
 * (so {@link #occupied} reads one key, never asks other nodes) and one hash per node (so a dead
 * node's share can be taken back); connections are one hash of per-node counts whose sum is
 * checked against the limit atomically.
 */
final class RedisCounts implements CountStore {
    private final RedisLink link;
    private final RedisKeys keys;
    private final String nodeId;
    private final NodeLedger ledger;
    private final Runnable stale;

    /** @param stale called when a change may not have reached Redis */
    RedisCounts(RedisLink link, RedisKeys keys, String nodeId, NodeLedger ledger, Runnable stale) {
        this.link = link;
        this.keys = keys;
        this.nodeId = nodeId;
        this.ledger = ledger;
        this.stale = stale;
    }

    @Override
    public CompletionStage<Change> increment(ChannelKey channel) {
        return change(channel, 1, RedisScripts.INCREMENT, 0);
    }

    @Override
    public CompletionStage<Change> decrement(ChannelKey channel, long holdMs) {
        return change(channel, -1, RedisScripts.DECREMENT, holdMs > 0 ? holdMs + PresenceStore.MARK_MARGIN_MS : 0);
    }

    private CompletionStage<Change> change(ChannelKey channel, int delta, RedisScripts.Script script, long markTtlMs) {
        NodeLedger.AppRecord record = ledger.app(channel.appId());
        CompletionStage<List<Object>> reply;
        synchronized (record) {
            record.subscribed(channel.name(), delta);
            reply = link.script(
                    script,
                    ScriptOutputType.MULTI,
                    new String[] {
                        keys.subscriptions(channel.appId()),
                        keys.nodeSubscriptions(channel.appId(), nodeId),
                        keys.vacancy(channel)
                    },
                    utf8(channel.name()),
                    utf8(markTtlMs));
        }
        return failuresMarkStale(reply)
                .thenApply(r -> new Change(Math.max(0, RedisWire.number(r.get(0))), RedisWire.number(r.get(1)) == 1));
    }

    @Override
    public CompletionStage<Boolean> claimVacancy(ChannelKey channel) {
        return link.<Long>call(() -> link.commands().del(keys.vacancy(channel))).thenApply(n -> n == 1);
    }

    @Override
    public CompletionStage<Long> count(ChannelKey channel) {
        return link.<byte[]>call(() -> link.commands().hget(keys.subscriptions(channel.appId()), channel.name()))
                .thenApply(n -> n == null ? 0L : Math.max(0L, RedisWire.number(n)));
    }

    @Override
    public CompletionStage<Map<String, Long>> occupied(String appId, String prefix) {
        return link.<Map<String, byte[]>>call(() -> link.commands().hgetall(keys.subscriptions(appId)))
                .thenApply(all -> {
                    Map<String, Long> out = new TreeMap<>();
                    all.forEach((name, count) -> {
                        long n = RedisWire.number(count);
                        if (n > 0 && name.startsWith(prefix)) {
                            out.put(name, n);
                        }
                    });
                    return out;
                });
    }

    /**
     * Takes a slot atomically against the app's cluster-wide limit. While Redis is unreachable the
     * connection is let in (the limit cannot be checked) and counted when Redis is back.
     */
    @Override
    public CompletionStage<Boolean> acquireRequest(String appId, int perSecond) {
        return link.<Long>script(
                        RedisScripts.RATE,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.requestRate(appId)},
                        utf8(perSecond))
                .handle((ok, error) -> error != null || ok == 1);
    }

    @Override
    public CompletionStage<Boolean> acquireConnection(String appId, int limit) {
        NodeLedger.AppRecord record = ledger.app(appId);
        CompletionStage<Long> reply;
        synchronized (record) {
            record.acquiring++;
            reply = link.script(
                    RedisScripts.ACQUIRE,
                    ScriptOutputType.INTEGER,
                    new String[] {keys.connections(appId)},
                    utf8(nodeId),
                    utf8(Math.max(0, limit)));
        }
        return reply.handle((taken, error) -> {
            boolean admitted = error != null || taken == 1;
            synchronized (record) {
                record.acquiring--;
                if (admitted) {
                    record.connections++;
                }
            }
            if (error != null) {
                stale.run();
            }
            return admitted;
        });
    }

    @Override
    public void releaseConnection(String appId) {
        NodeLedger.AppRecord record = ledger.app(appId);
        CompletionStage<Long> reply;
        synchronized (record) {
            record.connections = Math.max(0, record.connections - 1);
            reply = link.script(
                    RedisScripts.RELEASE,
                    ScriptOutputType.INTEGER,
                    new String[] {keys.connections(appId)},
                    utf8(nodeId));
        }
        failuresMarkStale(reply);
    }

    private <T> CompletionStage<T> failuresMarkStale(CompletionStage<T> reply) {
        return reply.handle((value, error) -> {
            if (error != null) {
                stale.run();
                throw new CompletionException(RedisHealth.unwrap(error));
            }
            return value;
        });
    }
}
