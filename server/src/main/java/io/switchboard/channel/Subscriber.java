package io.switchboard.channel;

import io.netty.channel.EventLoop;

/**
 * A connection as the channel table sees it. Every method is called on {@link #eventLoop()}.
 */
public interface Subscriber {

    String socketId();

    /** The loop that owns this subscriber; it never changes. */
    EventLoop eventLoop();

    /**
     * Writes {@code frame} without flushing. The callee takes no ownership: it writes a {@code
     * retainedDuplicate()} of the frame's buffer if it needs one.
     */
    void deliver(SharedFrame frame);

    /**
     * Marks this subscriber as written to since its last flush.
     *
     * @return true if it was not marked yet (the caller then arranges one {@link #flush})
     */
    boolean markUnflushed();

    /** Flushes what {@link #deliver} wrote and clears the mark. */
    void flush();
}
