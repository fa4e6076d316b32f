package io.switchboard.channel;

import io.netty.buffer.ByteBuf;

/**
 * One encoded event shared by every subscriber it is fanned out to: the JSON text, and the same
 * text already framed for the wire in one direct buffer (by the transport's {@link Framing}), so a
 * WebSocket subscriber costs a {@code retainedDuplicate()} and no copy.
 *
 * <p>Ownership: the creator holds one reference to {@link #webSocketFrame()} and must call {@link
 * #release()} once; anyone handing the frame to another thread calls {@link #retain()} first.
 */
public final class SharedFrame {
    /** Frames an event's JSON text once, for every WebSocket subscriber: the transport knows how. */
    @FunctionalInterface
    public interface Framing {
        /** A new buffer (one reference, owned by the caller) holding {@code json} framed. */
        ByteBuf frame(byte[] json);
    }

    private final byte[] json;
    private final ByteBuf webSocketFrame;

    SharedFrame(byte[] json, Framing framing) {
        this.json = json;
        this.webSocketFrame = framing.frame(json);
    }

    /** The event as JSON text. Callers must not modify the array. */
    public byte[] json() {
        return json;
    }

    /** The complete WebSocket frame; write a {@code retainedDuplicate()}, never this buffer. */
    public ByteBuf webSocketFrame() {
        return webSocketFrame;
    }

    public SharedFrame retain() {
        webSocketFrame.retain();
        return this;
    }

    public void release() {
        webSocketFrame.release();
    }
}
