package io.switchboard.broker;

import io.switchboard.core.ChannelKey;
import io.switchboard.core.Retention;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The retained events of history channels. Events are stored by {@link Broker#publish} (an {@link
 * Envelope} with a {@link Envelope#history() retention}), which also gives each its serial, in the
 * same step as it publishes, so every node sees one order; this interface reads them.
 *
 * <p>Reads take the channel's retention so that events past their age are never returned, even
 * before they are removed.
 */
public interface HistoryStore {

    /**
     * One retained event.
     *
     * @param frame the frame as published, without its serial
     * @param publishedAt when the broker stored it, epoch ms (the Redis server's clock with Redis)
     */
    record Stored(long serial, long publishedAt, byte[] frame) {}

    /**
     * Events of one read, and the channel's bounds at that moment.
     *
     * @param earliest the oldest retained serial, 0 when nothing is retained
     * @param latest the last serial issued on the channel (retained or not), 0 when the channel has
     *     no known sequence
     * @param complete every event of the channel's sequence is still retained, from its first on (also
     *     when no event was ever issued): nothing was dropped
     */
    record Page(List<Stored> events, long earliest, long latest, boolean complete) {
        public static final Page EMPTY = new Page(List.of(), 0, 0, true);
    }

    /**
     * Up to {@code limit} events with a serial above {@code after}, oldest first. A {@code limit} of 0
     * reads only the bounds.
     */
    CompletionStage<Page> after(ChannelKey channel, Retention retention, long after, int limit);

    /**
     * Up to {@code limit} events with a serial below {@code before} ({@code Long.MAX_VALUE} for the
     * newest), newest first. A {@code limit} of 0 reads only the bounds.
     */
    CompletionStage<Page> before(ChannelKey channel, Retention retention, long before, int limit);
}
