package io.switchboard.transport;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Sizes the buffers connections read into with one handle per event loop instead of one per
 * connection (Netty's adaptive handle and its calculator: about 100 B each, held for the
 * connection's life; bench/RESULTS.md, memory per idle connection). The size guess then follows the
 * reads of all the loop's connections.
 *
 * <p>Sound only where a connection's read runs from its start to its end on the loop with no other
 * connection's read in between: epoll and NIO, whose read loop asks for the handle, resets it,
 * reads and completes it within one call. io_uring completes reads later, so there each connection
 * keeps its own ({@link #forTransport}).
 */
final class LoopReceiveBuffers implements RecvByteBufAllocator {
    private static final AdaptiveRecvByteBufAllocator SIZING = new AdaptiveRecvByteBufAllocator();
    private static final RecvByteBufAllocator PER_LOOP = new LoopReceiveBuffers();

    private final FastThreadLocal<ExtendedHandle> handles = new FastThreadLocal<>() {
        @Override
        protected ExtendedHandle initialValue() {
            return (ExtendedHandle) SIZING.newHandle();
        }
    };

    private LoopReceiveBuffers() {}

    /** The allocator for connections of {@code io}: per loop where that is sound, else per connection. */
    static RecvByteBufAllocator forTransport(IoTransport io) {
        return io.name().equals("io_uring") ? SIZING : PER_LOOP;
    }

    @Override
    public ExtendedHandle newHandle() {
        return handles.get();
    }
}
