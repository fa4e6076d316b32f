package io.switchboard.channel;

import io.switchboard.app.HistoryRule;
import io.switchboard.broker.HistoryStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.protocol.ServerFrames;
import java.util.List;

/**
 * Writes a history read to a subscriber held by a {@link ReplayingSubscriber}: the past events, the
 * resume marker, then lets the held and later live events through past what the read covered.
 */
final class HistoryReplay {
    private static final int REPLAY_FLUSH_EVERY = 64;

    private final ChannelTable table;

    private HistoryReplay(ChannelTable table) {
        this.table = table;
    }

    /**
     * Writes what {@code read} returned (nothing for a subscriber that neither rewinds nor resumes)
     * and ends the hold past the serial the read covered. On the subscriber's event loop.
     */
    static void run(Subscription sub, Channels.Replay replay, Channels.HistoryRead read, ChannelTable table) {
        ReplayingSubscriber replaying = sub.replaying();
        HistoryReplay writer = new HistoryReplay(table);
        Subscriber target = replaying.target();
        long covered;
        if (replay.resumes()) {
            covered = writer.resume(target, sub.channel(), replay.resumeAfter(), read);
        } else if (read.failed()) {
            covered = 0;
        } else if (replay.rule().rewinds()) {
            covered = writer.rewind(target, replay.rule(), read.page());
        } else {
            covered = read.page().latest();
        }
        replaying.release(covered);
        target.flush();
    }

    /** Writes a resume's events and marker; returns the last serial the history covered. */
    private long resume(Subscriber target, ChannelKey key, long after, Channels.HistoryRead read) {
        String name = key.name();
        if (read.failed()) {
            write(target, ServerFrames.resumeFailed(name, after, 0, 0, "unavailable"), 0);
            return 0;
        }
        HistoryStore.Page page = read.page();
        long earliest = page.earliest();
        long latest = page.latest();
        String failure = null;
        if (after == 0) {
            // Everything the channel ever had: the client joined before its first event.
            failure = page.complete() ? null : "expired";
        } else if (latest == 0 || after > latest) {
            failure = "unknown_serial";
        } else if (after < latest && (earliest == 0 || after + 1 < earliest)) {
            failure = "expired";
        }
        if (failure != null) {
            write(target, ServerFrames.resumeFailed(name, after, earliest, latest, failure), 0);
            return latest;
        }
        int written = 0;
        for (HistoryStore.Stored e : page.events()) {
            write(target, e.frame(), e.serial());
            flushEvery(target, ++written);
        }
        write(target, ServerFrames.resumed(name, after, page.events().size(), latest), 0);
        return latest;
    }

    /** Writes a rewind's events (oldest first); returns the last serial the history covered. */
    private long rewind(Subscriber target, HistoryRule rule, HistoryStore.Page page) {
        List<HistoryStore.Stored> events = page.events();
        long since = rule.rewindSeconds() > 0 ? System.currentTimeMillis() - rule.rewindSeconds() * 1000L : 0;
        int written = 0;
        for (int i = events.size() - 1; i >= 0; i--) {
            HistoryStore.Stored e = events.get(i);
            if (e.publishedAt() >= since) {
                write(target, e.frame(), e.serial());
                flushEvery(target, ++written);
            }
        }
        return page.latest();
    }

    /**
     * Hands a long replay to the socket as it goes, so what waits in the connection's queue (bounded
     * like any subscriber's, 4100 beyond it) is what the client has not taken yet, not the replay.
     */
    private static void flushEvery(Subscriber target, int written) {
        if (written % REPLAY_FLUSH_EVERY == 0) {
            target.flush();
        }
    }

    private void write(Subscriber target, byte[] frame, long serial) {
        SharedFrame shared = table.frame(frame, serial);
        try {
            target.deliver(shared);
        } finally {
            shared.release();
        }
    }
}
