package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.switchboard.protocol.ServerFrames;
import io.switchboard.transport.WebSocketFraming;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hold between a replayed history and live events: order, de-duplication, bounds, buffers. */
class ReplayingSubscriberTest {
    private final List<Long> written = new ArrayList<>();
    private final List<SharedFrame> frames = new ArrayList<>();
    private int overflows;

    /** Records the serials written to it, as a connection would write the frames. */
    private final Subscriber connection = new Subscriber() {
        @Override
        public String socketId() {
            return "1.1";
        }

        @Override
        public EventLoop eventLoop() {
            return null;
        }

        @Override
        public void deliver(SharedFrame frame) {
            written.add(frame.serial());
        }

        @Override
        public boolean markUnflushed() {
            return true;
        }

        @Override
        public void flush() {}
    };

    private SharedFrame frame(long serial) {
        SharedFrame f = new SharedFrame(
                ServerFrames.event("e", "c", "{}"), serial, new WebSocketFraming(UnpooledByteBufAllocator.DEFAULT));
        frames.add(f);
        return f;
    }

    /** Delivers as the table does: the frame is released by the deliverer afterwards. */
    private void deliver(ReplayingSubscriber r, long serial) {
        SharedFrame f = frame(serial);
        r.deliver(f);
        f.release();
    }

    @Test
    void heldEventsAfterTheReplayFollowItOnceInOrderAndLaterOnesPass() {
        ReplayingSubscriber r = new ReplayingSubscriber(connection, 1 << 20, () -> overflows++);
        deliver(r, 10);
        deliver(r, 0); // a presence change: no serial, never dropped
        deliver(r, 11);
        deliver(r, 12);
        assertThat(written).as("held").isEmpty();

        r.release(11);
        assertThat(written).containsExactly(0L, 12L);
        deliver(r, 11); // a live copy of a replayed event arriving late
        deliver(r, 13);
        assertThat(written).containsExactly(0L, 12L, 13L);
        assertThat(frames).allMatch(f -> f.webSocketFrame().refCnt() == 0);
    }

    @Test
    void holdingMoreThanTheBoundRunsTheOverflowOnceAndKeepsNothing() {
        SharedFrame probe = frame(1);
        long size = probe.json().length;
        probe.release();
        ReplayingSubscriber r = new ReplayingSubscriber(connection, 2 * size, () -> overflows++);
        deliver(r, 1);
        deliver(r, 2);
        deliver(r, 3);
        deliver(r, 4);
        assertThat(overflows).isEqualTo(1);
        r.release(0);
        assertThat(written).isEmpty();
        assertThat(frames).allMatch(f -> f.webSocketFrame().refCnt() == 0);
    }

    @Test
    void discardingLetsGoOfWhatIsHeld() {
        ReplayingSubscriber r = new ReplayingSubscriber(connection, 1 << 20, () -> overflows++);
        deliver(r, 1);
        deliver(r, 2);
        r.discard();
        deliver(r, 3);
        assertThat(written).isEmpty();
        assertThat(frames).allMatch(f -> f.webSocketFrame().refCnt() == 0);
    }

    @Test
    void theSerialIsAddedOnceAsTheLastField() {
        SharedFrame f = frame(1733362000000001L);
        assertThat(new String(f.json(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"event\":\"e\",\"channel\":\"c\",\"data\":\"{}\",\"serial\":1733362000000001}");
        assertThat(f.webSocketFrame().readableBytes()).isEqualTo(f.json().length + 2);
        f.release();
    }
}
