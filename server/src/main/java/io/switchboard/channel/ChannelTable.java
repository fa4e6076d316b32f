package io.switchboard.channel;

import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Envelope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's subscribers per channel, grouped by event loop, and the fan-out that delivers an
 * event to them.
 *
 * <p>Each channel has one group per event loop; a group's members are touched only on its loop, so
 * fan-out takes no lock: the publisher encodes the frame once and hands one task per loop that has
 * subscribers, which writes the same bytes to each member and flushes once per loop turn.
 */
public final class ChannelTable {
    private final EventLoop[] loops;
    private final LoopFlusher[] flushers;
    private final SharedFrame.Framing framing;
    private final Map<ChannelKey, LocalChannel> channels = new ConcurrentHashMap<>();
    private final InterestListener interest;
    private final LongAdder delivered = new LongAdder();
    /** Per app: each channel holds its app's counter, so fan-out adds to it without a lookup. */
    private final Map<String, LongAdder> deliveredByApp = new ConcurrentHashMap<>();

    /** Told when this node gains its first or loses its last subscriber on a channel. */
    public interface InterestListener {
        void firstLocalSubscriber(ChannelKey channel);

        void lastLocalSubscriberGone(ChannelKey channel);
    }

    ChannelTable(List<EventLoop> loops, SharedFrame.Framing framing, InterestListener interest) {
        this.loops = loops.toArray(EventLoop[]::new);
        this.flushers = new LoopFlusher[this.loops.length];
        for (int i = 0; i < this.loops.length; i++) {
            flushers[i] = new LoopFlusher(this.loops[i]);
        }
        this.framing = framing;
        this.interest = interest;
    }

    /** A subscriber's place in a channel; held by the subscriber to leave again. */
    public static final class Slot {
        final ChannelKey channel;
        final Subscriber subscriber;
        final int loop;
        int index = -1;

        Slot(ChannelKey channel, Subscriber subscriber, int loop) {
            this.channel = channel;
            this.subscriber = subscriber;
            this.loop = loop;
        }

        public ChannelKey channel() {
            return channel;
        }
    }

    /** Adds a subscriber. Called on the subscriber's event loop. */
    public Slot add(ChannelKey key, Subscriber subscriber) {
        int loop = loopIndex(subscriber.eventLoop());
        Slot slot = new Slot(key, subscriber, loop);
        boolean[] first = new boolean[1];
        LoopGroup[] group = new LoopGroup[1];
        channels.compute(key, (k, c) -> {
            LocalChannel channel = c == null ? new LocalChannel(loop, appDelivered(k.appId())) : c;
            first[0] = channel.count++ == 0;
            // Made under the map's lock, so a publisher that looks the channel up afterwards sees it.
            group[0] = channel.group(loop);
            if (group[0] == null) {
                group[0] = channel.addGroup(loop);
            }
            return channel;
        });
        group[0].add(slot);
        if (first[0]) {
            interest.firstLocalSubscriber(key);
        }
        return slot;
    }

    /** Removes a subscriber added by {@link #add}. Called on the subscriber's event loop. */
    public void remove(Slot slot) {
        if (slot.index < 0) {
            return;
        }
        LocalChannel ch = channels.get(slot.channel);
        if (ch == null) {
            return;
        }
        ch.group(slot.loop).remove(slot);
        boolean[] last = new boolean[1];
        channels.computeIfPresent(slot.channel, (k, c) -> {
            last[0] = --c.count == 0;
            return last[0] ? null : c;
        });
        if (last[0]) {
            interest.lastLocalSubscriberGone(slot.channel);
        }
    }

    /** One frame for a single subscriber (a replayed event, say); the caller releases it. */
    public SharedFrame frame(byte[] json, long serial) {
        return new SharedFrame(json, serial, framing);
    }

    /** Frames written to subscribers since start. */
    public long delivered() {
        return delivered.sum();
    }

    /** Frames of one app's channels written to subscribers since start. */
    public long delivered(String appId) {
        LongAdder n = deliveredByApp.get(appId);
        return n == null ? 0 : n.sum();
    }

    private LongAdder appDelivered(String appId) {
        return deliveredByApp.computeIfAbsent(appId, a -> new LongAdder());
    }

    /** Number of local subscriptions to {@code key}. */
    int localCount(ChannelKey key) {
        LocalChannel ch = channels.get(key);
        return ch == null ? 0 : ch.count;
    }

    /** How many of the node's loops have a group for {@code key}: those its subscribers joined on. */
    int loopGroups(ChannelKey key) {
        LocalChannel ch = channels.get(key);
        return ch == null ? 0 : 1 + ch.more.length;
    }

    /** Channels with local subscribers. */
    public List<ChannelKey> channels() {
        return new ArrayList<>(channels.keySet());
    }

    /**
     * Delivers an event to every local subscriber of {@code key} except the excluded socket. Safe
     * from any thread; the envelope's bytes are copied once into a shared direct buffer.
     */
    void deliver(ChannelKey key, Envelope envelope) {
        LocalChannel ch = channels.get(key);
        if (ch == null) {
            return;
        }
        SharedFrame frame = new SharedFrame(envelope.frame(), envelope.serial(), framing);
        try {
            String exclude = envelope.excludeSocketId();
            deliver(ch, ch, frame, exclude);
            for (LoopGroup group : ch.more) {
                deliver(ch, group, frame, exclude);
            }
        } finally {
            frame.release();
        }
    }

    private void deliver(LocalChannel ch, LoopGroup group, SharedFrame frame, String exclude) {
        if (group.size == 0) {
            return;
        }
        EventLoop loop = loops[group.loop];
        LoopFlusher flusher = flushers[group.loop];
        if (loop.inEventLoop()) {
            counted(ch, group.deliver(frame, exclude, flusher));
        } else {
            frame.retain();
            loop.execute(() -> {
                try {
                    counted(ch, group.deliver(frame, exclude, flusher));
                } finally {
                    frame.release();
                }
            });
        }
    }

    private void counted(LocalChannel ch, int written) {
        delivered.add(written);
        ch.appDelivered.add(written);
    }

    private int loopIndex(EventLoop loop) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i] == loop) {
                return i;
            }
        }
        throw new IllegalArgumentException("Subscriber's event loop is not one of the server's");
    }

    /**
     * A channel's local subscribers; {@code count} and {@code more} are changed under the table's
     * compute lock. A channel is the group of the loop its first subscriber joined on, and has a
     * group of its own for each other loop a subscriber joined on, made when the first subscriber on
     * that loop joins: most channels have one subscriber, and a node has one loop per core
     * (bench/RESULTS.md, memory per idle connection).
     */
    private static final class LocalChannel extends LoopGroup {
        private static final LoopGroup[] NO_GROUPS = {};

        /** The other loops' groups, in the order they got a subscriber; replaced whole. */
        volatile LoopGroup[] more = NO_GROUPS;

        final LongAdder appDelivered;
        int count;

        LocalChannel(int loop, LongAdder appDelivered) {
            super(loop);
            this.appDelivered = appDelivered;
        }

        LoopGroup group(int loop) {
            if (this.loop == loop) {
                return this;
            }
            for (LoopGroup g : more) {
                if (g.loop == loop) {
                    return g;
                }
            }
            return null;
        }

        LoopGroup addGroup(int loop) {
            LoopGroup group = new LoopGroup(loop);
            LoopGroup[] grown = Arrays.copyOf(more, more.length + 1);
            grown[grown.length - 1] = group;
            more = grown;
            return group;
        }
    }

    /** The subscribers of one channel on one loop. Mutated and iterated only on that loop. */
    private static class LoopGroup {
        /** The loop's index in the table. */
        final int loop;

        /** Grown by doubling from one: most channels have one subscriber (a private channel per user). */
        private Slot[] slots = new Slot[1];

        volatile int size;

        LoopGroup(int loop) {
            this.loop = loop;
        }

        void add(Slot slot) {
            int n = size;
            if (n == slots.length) {
                slots = Arrays.copyOf(slots, n * 2);
            }
            slots[n] = slot;
            slot.index = n;
            size = n + 1;
        }

        void remove(Slot slot) {
            int i = slot.index;
            int last = size - 1;
            Slot moved = slots[last];
            slots[i] = moved;
            moved.index = i;
            slots[last] = null;
            slot.index = -1;
            size = last;
        }

        /** Returns how many subscribers it wrote to. */
        int deliver(SharedFrame frame, String exclude, LoopFlusher flusher) {
            Slot[] s = slots;
            int n = size;
            int written = 0;
            for (int i = 0; i < n; i++) {
                Subscriber sub = s[i].subscriber;
                if (exclude != null && exclude.equals(sub.socketId())) {
                    continue;
                }
                sub.deliver(frame);
                flusher.add(sub);
                written++;
            }
            return written;
        }
    }

    /**
     * Flushes every subscriber written to during one pass of the loop's task queue, once: events
     * that arrive together leave in one write per connection.
     *
     * <p>A long list is flushed in slices of {@link #SLICE}, with the loop's I/O between them (the
     * next slice runs after the loop's next I/O step): a large channel's pass no longer holds up
     * the REST requests and client frames that arrived meanwhile, and an event published during
     * the pass leaves together with the previous one to every subscriber not flushed yet.
     */
    private static final class LoopFlusher implements Runnable {
        static final int SLICE = 512;
        private static final int COMPACT_AFTER = 16 * SLICE;

        private final EventLoop loop;
        private final ArrayList<Subscriber> dirty = new ArrayList<>();
        private int next;
        private boolean scheduled;

        LoopFlusher(EventLoop loop) {
            this.loop = loop;
        }

        void add(Subscriber sub) {
            if (sub.markUnflushed()) {
                dirty.add(sub);
            }
            if (!scheduled) {
                scheduled = true;
                loop.execute(this);
            }
        }

        @Override
        public void run() {
            int end = Math.min(dirty.size(), next + SLICE);
            for (int i = next; i < end; i++) {
                dirty.get(i).flush();
            }
            if (end < dirty.size()) {
                next = end;
                if (next >= COMPACT_AFTER) {
                    // Under sustained load the list never runs dry (connections flushed earlier are
                    // written again and re-added at its end): drop the flushed part now and then.
                    dirty.subList(0, next).clear();
                    next = 0;
                }
                if (loop instanceof SingleThreadEventLoop single) {
                    single.executeAfterEventLoopIteration(this);
                } else {
                    loop.execute(this);
                }
                return;
            }
            scheduled = false;
            next = 0;
            dirty.clear();
        }
    }
}
