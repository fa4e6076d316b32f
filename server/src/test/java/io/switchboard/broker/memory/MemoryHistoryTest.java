package io.switchboard.broker.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.broker.ChannelKey;
import io.switchboard.broker.Envelope;
import io.switchboard.broker.HistoryStore;
import io.switchboard.broker.Retention;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The memory broker's history bounds: per channel, per app and in all, oldest first. */
class MemoryHistoryTest {
    /** A frame of about 100 bytes; an event costs its length plus the entry overhead. */
    private static final byte[] FRAME = ("{\"event\":\"e\",\"channel\":\"c\",\"data\":\"" + "x".repeat(62) + "\"}")
            .getBytes(StandardCharsets.UTF_8);

    private static final long EVENT = FRAME.length + MemoryHistory.ENTRY_OVERHEAD;

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final List<Long> delivered = new ArrayList<>();

    private void publish(MemoryHistory history, ChannelKey channel, Retention retention) {
        history.append(channel, new Envelope(FRAME, null, 0, retention), (c, e) -> delivered.add(e.serial()));
    }

    private static List<Long> serials(MemoryHistory history, ChannelKey channel, Retention retention) {
        HistoryStore.Page page =
                history.after(channel, retention, 0, 1000).toCompletableFuture().join();
        return page.events().stream().map(HistoryStore.Stored::serial).toList();
    }

    @Test
    void serialsStartFromTheClockAndCountUpPerChannel() {
        MemoryHistory history = new MemoryHistory(1 << 20, now::get);
        Retention keep = new Retention(10, 60_000, Long.MAX_VALUE);
        publish(history, new ChannelKey("a", "one"), keep);
        publish(history, new ChannelKey("a", "one"), keep);
        publish(history, new ChannelKey("a", "two"), keep);
        assertThat(delivered).containsExactly(now.get() * 1000 + 1, now.get() * 1000 + 2, now.get() * 1000 + 1);
    }

    @Test
    void anAppOverItsBytesLosesItsOwnOldestEventsFirst() {
        MemoryHistory history = new MemoryHistory(1 << 20, now::get);
        Retention smallApp = new Retention(100, 60_000, 3 * EVENT);
        Retention other = new Retention(100, 60_000, Long.MAX_VALUE);
        ChannelKey b = new ChannelKey("b", "kept");
        publish(history, b, other);
        ChannelKey first = new ChannelKey("a", "first");
        ChannelKey second = new ChannelKey("a", "second");
        publish(history, first, smallApp);
        publish(history, second, smallApp);
        publish(history, first, smallApp);
        publish(history, second, smallApp);

        assertThat(serials(history, first, smallApp)).hasSize(1);
        assertThat(serials(history, second, smallApp)).hasSize(2);
        assertThat(serials(history, b, other))
                .as("another app keeps its events")
                .hasSize(1);
        assertThat(history.evictions(MemoryHistory.Reason.APP_BYTES)).isEqualTo(1);
        assertThat(history.bytes()).isEqualTo(4 * EVENT);
        assertThat(history.events()).isEqualTo(4);
    }

    @Test
    void allHistoriesOverTheMemoryBoundLoseTheOldestEventOfAnyApp() {
        MemoryHistory history = new MemoryHistory(3 * EVENT, now::get);
        Retention keep = new Retention(100, 60_000, Long.MAX_VALUE);
        ChannelKey a = new ChannelKey("a", "c");
        ChannelKey b = new ChannelKey("b", "c");
        publish(history, a, keep);
        publish(history, b, keep);
        publish(history, b, keep);
        publish(history, b, keep);
        assertThat(serials(history, a, keep)).isEmpty();
        assertThat(serials(history, b, keep)).hasSize(3);
        assertThat(history.evictions(MemoryHistory.Reason.MEMORY)).isEqualTo(1);
        assertThat(history.bytes()).isLessThanOrEqualTo(3 * EVENT);
        HistoryStore.Page page =
                history.after(a, keep, 0, 10).toCompletableFuture().join();
        assertThat(page.latest()).as("the sequence outlives the events").isEqualTo(now.get() * 1000 + 1);
    }

    @Test
    void countAndAgeBoundsDropTheOldestAndAreCounted() {
        MemoryHistory history = new MemoryHistory(1 << 20, now::get);
        Retention two = new Retention(2, 1000, Long.MAX_VALUE);
        ChannelKey c = new ChannelKey("a", "c");
        publish(history, c, two);
        publish(history, c, two);
        publish(history, c, two);
        assertThat(serials(history, c, two)).hasSize(2);
        assertThat(history.evictions(MemoryHistory.Reason.MAX_EVENTS)).isEqualTo(1);
        now.addAndGet(1001);
        assertThat(serials(history, c, two)).isEmpty();
        assertThat(history.evictions(MemoryHistory.Reason.MAX_AGE)).isEqualTo(2);
        assertThat(history.bytes()).isZero();
    }

    @Test
    void aSweepFreesQuietChannelsAndForgetsLongUnusedSequences() {
        MemoryHistory history = new MemoryHistory(1 << 20, now::get);
        Retention brief = new Retention(10, 1000, Long.MAX_VALUE);
        ChannelKey c = new ChannelKey("a", "quiet");
        publish(history, c, brief);
        now.addAndGet(2000);
        history.sweep();
        assertThat(history.bytes()).isZero();
        HistoryStore.Page kept =
                history.after(c, brief, 0, 10).toCompletableFuture().join();
        assertThat(kept.latest()).isPositive();
        now.addAndGet(MemoryHistory.SEQUENCE_KEEP_MS);
        history.sweep();
        HistoryStore.Page gone =
                history.after(c, brief, 0, 10).toCompletableFuture().join();
        assertThat(gone.latest()).isZero();
        publish(history, c, brief);
        assertThat(delivered.getLast())
                .as("a lost sequence restarts above the old one")
                .isGreaterThan(kept.latest());
    }
}
