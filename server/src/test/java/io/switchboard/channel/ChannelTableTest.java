package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Envelope;
import io.switchboard.protocol.ServerFrames;
import io.switchboard.transport.WebSocketFraming;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's subscribers per channel and loop, and the fan-out to them. */
class ChannelTableTest {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(4, NioIoHandler.newFactory());
    private final List<EventLoop> loops = new ArrayList<>();
    private final List<String> interest = new ArrayList<>();
    private final ChannelTable table;

    ChannelTableTest() {
        group.forEach(e -> loops.add((EventLoop) e));
        table = new ChannelTable(
                loops, new WebSocketFraming(UnpooledByteBufAllocator.DEFAULT), new ChannelTable.InterestListener() {
                    @Override
                    public void firstLocalSubscriber(ChannelKey channel) {
                        interest.add("first:" + channel.name());
                    }

                    @Override
                    public void lastLocalSubscriberGone(ChannelKey channel) {
                        interest.add("gone:" + channel.name());
                    }
                });
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Records the socket ids of the frames written to it, on its own loop. */
    private record Recorder(String socketId, EventLoop eventLoop, BlockingQueue<String> log) implements Subscriber {
        @Override
        public void deliver(SharedFrame frame) {
            assertThat(eventLoop.inEventLoop()).isTrue();
            log.add(socketId);
        }

        @Override
        public boolean markUnflushed() {
            return true;
        }

        @Override
        public void flush() {}
    }

    private ChannelTable.Slot add(ChannelKey key, Subscriber sub) throws Exception {
        return sub.eventLoop().submit(() -> table.add(key, sub)).get(5, TimeUnit.SECONDS);
    }

    private void remove(ChannelTable.Slot slot, Subscriber sub) throws Exception {
        sub.eventLoop().submit(() -> table.remove(slot)).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aChannelHoldsAGroupOnlyForTheLoopsItsSubscribersJoinedOnAndReachesEachOfThem() throws Exception {
        ChannelKey news = new ChannelKey("app", "news");
        ChannelKey other = new ChannelKey("app", "other");
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        Recorder a = new Recorder("1.1", loops.get(1), log);
        Recorder b = new Recorder("1.2", loops.get(3), log);
        Recorder c = new Recorder("1.3", loops.get(3), log);
        Recorder d = new Recorder("1.4", loops.get(0), log);
        ChannelTable.Slot slotA = add(news, a);
        ChannelTable.Slot slotB = add(news, b);
        ChannelTable.Slot slotC = add(news, c);
        ChannelTable.Slot slotD = add(other, d);

        assertThat(table.loopGroups(news)).isEqualTo(2);
        assertThat(table.loopGroups(other)).isEqualTo(1);

        table.deliver(news, new Envelope(ServerFrames.event("e", "news", "{}"), "1.2"));
        List<String> reached = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            reached.add(log.poll(5, TimeUnit.SECONDS));
        }
        assertThat(reached).containsExactlyInAnyOrder("1.1", "1.3");
        assertThat(log.poll(200, TimeUnit.MILLISECONDS))
                .as("excluded and other channels")
                .isNull();

        remove(slotA, a);
        remove(slotB, b);
        table.deliver(news, new Envelope(ServerFrames.event("e", "news", "{}"), null));
        assertThat(log.poll(5, TimeUnit.SECONDS)).isEqualTo("1.3");
        assertThat(log.poll(200, TimeUnit.MILLISECONDS)).isNull();

        // The first subscriber's loop (whose group is the channel itself) has none left; a new one
        // there joins that group again, beside the other loop's.
        Recorder e = new Recorder("1.5", loops.get(1), log);
        ChannelTable.Slot slotE = add(news, e);
        assertThat(table.loopGroups(news)).isEqualTo(2);
        table.deliver(news, new Envelope(ServerFrames.event("e", "news", "{}"), null));
        assertThat(List.of(log.poll(5, TimeUnit.SECONDS), log.poll(5, TimeUnit.SECONDS)))
                .containsExactlyInAnyOrder("1.3", "1.5");
        remove(slotE, e);
        remove(slotC, c);
        remove(slotD, d);

        assertThat(table.loopGroups(news)).isZero();
        assertThat(interest).containsExactly("first:news", "first:other", "gone:news", "gone:other");
    }
}
