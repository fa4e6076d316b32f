package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/**
 * Where a {@link WebSocketTransport}'s bytes go and come from: a Netty channel ({@link
 * ChannelWire}: TLS, NIO, io_uring), or, for plain WebSockets on epoll, the socket itself ({@link
 * EpollWire}), which costs far less memory per connection. Every method is called on {@link
 * #eventLoop()}, and the wire calls the transport back on it: {@link
 * WebSocketTransport#bytesRead}, {@link WebSocketTransport#readComplete}, {@link
 * WebSocketTransport#writabilityChanged} and {@link WebSocketTransport#wireClosed}.
 */
interface Wire {

    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** Until the socket is closed. */
    boolean isOpen();

    /**
     * False from when more than the high-water mark is queued until less than the low-water mark
     * is; each change calls {@link WebSocketTransport#writabilityChanged}.
     */
    boolean isWritable();

    /** What is queued in the server for the client, not counting the kernel's socket buffer. */
    long queuedBytes();

    /** Queues a frame; the wire owns it from here. */
    void write(ByteBuf frame);

    /** Sends what is queued. A failed write closes the wire. */
    void flush();

    /** Queues a frame, sends what is queued, and closes the wire once it is sent or has failed. */
    void writeAndClose(ByteBuf frame);

    /** Stops or resumes reading from the client. */
    void readsPaused(boolean paused);

    /** Closes now; queued frames are dropped. Idempotent. */
    void close();

    /**
     * Milliseconds since the kernel last transmitted data to the client ({@code TCP_INFO}), or -1
     * when the socket cannot tell (NIO, io_uring).
     *
     * @param scratch reused by every connection of the loop
     */
    long lastDataSentMillis(TcpInfo scratch);
}
