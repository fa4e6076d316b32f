package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.RecvByteBufAllocator;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LoopReceiveBuffersTest {
    private static final IoTransport EPOLL = new IoTransport("epoll", null, null);
    private static final IoTransport IO_URING = new IoTransport("io_uring", null, null);

    @Test
    void connectionsOfOneThreadShareOneHandleAndOtherThreadsHaveTheirOwn() throws Exception {
        RecvByteBufAllocator buffers = LoopReceiveBuffers.forTransport(EPOLL);
        Object first = buffers.newHandle();

        assertThat(buffers.newHandle()).isSameAs(first);
        assertThat(LoopReceiveBuffers.forTransport(new IoTransport("nio", null, null))
                        .newHandle())
                .isSameAs(first);
        Object other = CompletableFuture.supplyAsync(buffers::newHandle).get();
        assertThat(other).isNotNull().isNotSameAs(first);
    }

    @Test
    void ioUringConnectionsEachKeepTheirOwnHandle() {
        RecvByteBufAllocator buffers = LoopReceiveBuffers.forTransport(IO_URING);

        assertThat(buffers.newHandle()).isNotSameAs(buffers.newHandle());
    }
}
