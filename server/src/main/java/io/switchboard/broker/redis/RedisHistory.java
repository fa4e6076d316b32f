package io.switchboard.broker.redis;

import static io.switchboard.broker.redis.RedisWire.utf8;

import io.lettuce.core.ScriptOutputType;
import io.switchboard.broker.HistoryStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Retention;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * History channels' retained events, read from their Redis Streams ({@link RedisKeys#history});
 * {@link RedisBroker#publish} writes them with {@link RedisScripts#PUBLISH_HISTORY}. A read fails
 * while Redis is unreachable.
 */
final class RedisHistory implements HistoryStore {
    private final RedisLink link;
    private final RedisKeys keys;

    RedisHistory(RedisLink link, RedisKeys keys) {
        this.link = link;
        this.keys = keys;
    }

    @Override
    public CompletionStage<Page> after(ChannelKey channel, Retention retention, long after, int limit) {
        return read(channel, retention, "after", Long.toString(after + 1), limit);
    }

    @Override
    public CompletionStage<Page> before(ChannelKey channel, Retention retention, long before, int limit) {
        String last = before == Long.MAX_VALUE ? "+" : Long.toString(Math.max(0, before - 1));
        return read(channel, retention, "before", last, limit);
    }

    private CompletionStage<Page> read(ChannelKey channel, Retention retention, String mode, String from, int limit) {
        return link.<List<Object>>script(
                        RedisScripts.HISTORY_READ,
                        ScriptOutputType.MULTI,
                        new String[] {keys.history(channel), keys.serial(channel)},
                        utf8(mode),
                        utf8(from),
                        utf8(limit),
                        utf8(retention.maxAgeMs()))
                .thenApply(RedisHistory::page);
    }

    @SuppressWarnings("unchecked")
    private static Page page(List<Object> reply) {
        List<Object> flat = (List<Object>) reply.get(0);
        List<Stored> events = new ArrayList<>(flat.size() / 3);
        for (int i = 0; i + 2 < flat.size(); i += 3) {
            events.add(new Stored(
                    RedisWire.number(flat.get(i)), RedisWire.number(flat.get(i + 1)), (byte[]) flat.get(i + 2)));
        }
        return new Page(
                events,
                RedisWire.number(reply.get(1)),
                RedisWire.number(reply.get(2)),
                RedisWire.number(reply.get(3)) == 1);
    }
}
