package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.switchboard.metrics.LimitRejections;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-loop registry behind WebSocket liveness: connections come and go in any order. */
class LivenessSweepTest {

    @Test
    void connectionsLeaveInAnyOrderAndTheRestKeepTheirPlaces() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            LivenessSweep.PerLoop perLoop = new LivenessSweep.PerLoop(120, 30, 30);
            LivenessSweep sweep = perLoop.of(loop);
            assertThat(perLoop.of(loop)).as("one sweep per loop").isSameAs(sweep);
            List<WebSocketTransport> all = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                WebSocketTransport t = new WebSocketTransport(
                        ByteBufAllocator.DEFAULT,
                        false,
                        new WebSocketTransport.Limits(
                                10, 1 << 20, 65536, new MessageInflater(65536), LimitRejections.NONE),
                        sweep,
                        null);
                sweep.add(t);
                all.add(t);
            }
            sweep.add(all.get(0)); // twice: still once
            assertThat(sweep.size()).isEqualTo(1000);

            List<WebSocketTransport> leaving = new ArrayList<>(all.subList(0, 900));
            Collections.shuffle(leaving, new Random(7));
            for (WebSocketTransport t : leaving) {
                sweep.remove(t);
                sweep.remove(t); // channelInactive after a close: harmless
            }
            assertThat(sweep.size()).isEqualTo(100);
            for (WebSocketTransport t : leaving) {
                assertThat(t.sweepIndex).isEqualTo(-1);
            }
            List<Integer> places = new ArrayList<>();
            for (WebSocketTransport t : all.subList(900, 1000)) {
                places.add(t.sweepIndex);
            }
            assertThat(places).doesNotHaveDuplicates().allMatch(i -> i >= 0 && i < 100);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
