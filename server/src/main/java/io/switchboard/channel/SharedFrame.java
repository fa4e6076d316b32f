package io.switchboard.channel;

import io.netty.buffer.ByteBuf;
import io.switchboard.protocol.ServerFrames;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One encoded event shared by every subscriber it is fanned out to: the JSON text, and the same
 * text already framed for the wire in one direct buffer (by the transport's {@link Framing}), so a
 * WebSocket subscriber costs a {@code retainedDuplicate()} and no copy. Subscribers that
 * negotiated compression share a second frame, compressed once, made by the first of them to ask
 * for it ({@link #deflatedWebSocketFrame()}).
 *
 * <p>Ownership: the creator holds one reference and must call {@link #release()} once; anyone
 * handing the frame to another thread calls {@link #retain()} first. The buffers are released
 * when the last reference is; a subscriber writes a {@code retainedDuplicate()} of one of them,
 * which the channel releases once written.
 */
public final class SharedFrame {
    /** Frames an event's JSON text once, for every WebSocket subscriber: the transport knows how. */
    public interface Framing {
        /** A new buffer (one reference, owned by the caller) holding {@code json} framed. */
        ByteBuf frame(byte[] json);

        /**
         * A new buffer (one reference, owned by the caller) holding {@code json} compressed and
         * framed for subscribers that negotiated compression, or {@code null} when it is not worth
         * compressing (such subscribers are then sent {@link #frame}'s bytes).
         */
        default ByteBuf deflatedFrame(byte[] json) {
            return null;
        }
    }

    private static final AtomicIntegerFieldUpdater<SharedFrame> REFS =
            AtomicIntegerFieldUpdater.newUpdater(SharedFrame.class, "refs");

    private final byte[] json;
    private final long serial;
    private final Framing framing;
    private final ByteBuf webSocketFrame;
    /** Made on first use; {@link #webSocketFrame} itself when compressing does not pay. */
    private volatile ByteBuf deflatedFrame;

    private volatile int refs = 1;

    SharedFrame(byte[] json, Framing framing) {
        this(json, 0, framing);
    }

    /**
     * An event of a history channel: {@code frame} as published, with {@code "serial":N} added as
     * its last field here, once per event (not per subscriber). {@code serial} 0 adds nothing.
     */
    SharedFrame(byte[] frame, long serial, Framing framing) {
        this.json = serial > 0 ? ServerFrames.withSerial(frame, serial) : frame;
        this.serial = serial;
        this.framing = framing;
        this.webSocketFrame = framing.frame(json);
    }

    /** The event as JSON text. Callers must not modify the array. */
    public byte[] json() {
        return json;
    }

    /** The event's serial in its channel's history; 0 for an event without one. */
    public long serial() {
        return serial;
    }

    /** The complete WebSocket frame; write a {@code retainedDuplicate()}, never this buffer. */
    public ByteBuf webSocketFrame() {
        return webSocketFrame;
    }

    /**
     * The frame for a subscriber that negotiated permessage-deflate: compressed (RSV1 set) the first
     * time any subscriber asks, on that subscriber's thread, and shared by all of them; the
     * uncompressed frame when the event is too small to gain from it. Write a {@code
     * retainedDuplicate()}. The caller must hold a reference.
     */
    public ByteBuf deflatedWebSocketFrame() {
        ByteBuf frame = deflatedFrame;
        if (frame == null) {
            synchronized (this) {
                frame = deflatedFrame;
                if (frame == null) {
                    // Loops asking at the same time wait for one compression rather than each doing it.
                    frame = framing.deflatedFrame(json);
                    deflatedFrame = frame = frame == null ? webSocketFrame : frame;
                }
            }
        }
        return frame;
    }

    public SharedFrame retain() {
        REFS.incrementAndGet(this);
        return this;
    }

    public void release() {
        if (REFS.decrementAndGet(this) == 0) {
            webSocketFrame.release();
            ByteBuf deflated = deflatedFrame;
            if (deflated != null && deflated != webSocketFrame) {
                deflated.release();
            }
        }
    }
}
