package io.switchboard.broker;

import io.lettuce.core.SetArgs;
import java.util.concurrent.CompletionStage;

/**
 * Cache channels' last frames as Redis strings with a TTL. While Redis is unreachable a cache
 * channel behaves as empty: subscribers get {@code pusher:cache_miss}.
 */
final class RedisCache implements CacheStore {
    private final RedisLink link;
    private final RedisKeys keys;

    RedisCache(RedisLink link, RedisKeys keys) {
        this.link = link;
        this.keys = keys;
    }

    @Override
    public void put(ChannelKey channel, byte[] frame, int ttlSeconds) {
        link.call(() -> link.commands().set(keys.cache(channel), frame, SetArgs.Builder.ex(ttlSeconds)));
    }

    @Override
    public CompletionStage<byte[]> get(ChannelKey channel) {
        return link.<byte[]>call(() -> link.commands().get(keys.cache(channel))).exceptionally(error -> null);
    }
}
