package io.switchboard.broker.redis;

import static io.switchboard.broker.redis.RedisWire.utf8;

import io.lettuce.core.ScriptOutputType;
import io.switchboard.broker.CacheStore;
import io.switchboard.core.ChannelKey;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Cache channels' last frames as Redis strings with a TTL. While Redis is unreachable a cache
 * channel behaves as empty: subscribers get {@code pusher:cache_miss}. A frame is stored with a
 * deadline ({@link RedisClock}), so one sent while Redis was frozen is not stored when it resumes.
 */
final class RedisCache implements CacheStore {
    private final RedisLink link;
    private final RedisKeys keys;
    private final RedisClock clock;

    RedisCache(RedisLink link, RedisKeys keys, RedisClock clock) {
        this.link = link;
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public void put(ChannelKey channel, byte[] frame, int ttlSeconds) {
        String key = keys.cache(channel);
        link.<List<Object>>script(
                        RedisScripts.CACHE_PUT,
                        ScriptOutputType.MULTI,
                        new String[] {key},
                        frame,
                        utf8(ttlSeconds),
                        utf8(clock.deadline(key)))
                .thenAccept(r -> clock.observed(key, RedisWire.number(r.get(1))));
    }

    @Override
    public CompletionStage<byte[]> get(ChannelKey channel) {
        return link.<byte[]>call(() -> link.commands().get(keys.cache(channel))).exceptionally(error -> null);
    }
}
