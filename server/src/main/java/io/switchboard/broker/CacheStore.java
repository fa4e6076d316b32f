package io.switchboard.broker;

import io.switchboard.core.ChannelKey;
import java.util.concurrent.CompletionStage;

/** The last event of each cache channel, kept for a time to live. */
public interface CacheStore {

    /** Stores {@code frame} (the exact frame that was broadcast) for {@code ttlSeconds}. */
    void put(ChannelKey channel, byte[] frame, int ttlSeconds);

    /** The stored frame, or {@code null} when none is stored or it expired. */
    CompletionStage<byte[]> get(ChannelKey channel);
}
