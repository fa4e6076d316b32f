package io.switchboard.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One encoded event shared by every subscriber it is fanned out to: the JSON text, and the same
 * text already framed as an unmasked WebSocket text frame in one direct buffer, so a WebSocket
 * subscriber costs a {@code retainedDuplicate()} and no copy.
 *
 * <p>Ownership: the creator holds one reference to {@link #webSocketFrame()} and must call {@link
 * #release()} once; anyone handing the frame to another thread calls {@link #retain()} first.
 */
public final class SharedFrame {
    private final byte[] json;
    private final long serial;
    private final ByteBuf webSocketFrame;

    public SharedFrame(byte[] json, ByteBufAllocator alloc) {
        this(json, 0, alloc);
    }

    /**
     * An event of a history channel: {@code frame} as published, with {@code "serial":N} added as
     * its last field here, once per event (not per subscriber). {@code serial} 0 adds nothing.
     */
    public SharedFrame(byte[] frame, long serial, ByteBufAllocator alloc) {
        this.json = serial > 0 ? ServerFrames.withSerial(frame, serial) : frame;
        this.serial = serial;
        this.webSocketFrame = alloc.directBuffer(json.length + 10);
        writeTextFrameHeader(webSocketFrame, json.length);
        webSocketFrame.writeBytes(json);
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

    public SharedFrame retain() {
        webSocketFrame.retain();
        return this;
    }

    public void release() {
        webSocketFrame.release();
    }

    /** RFC 6455 header of an unmasked, final text frame of {@code length} payload bytes. */
    static void writeTextFrameHeader(ByteBuf out, int length) {
        out.writeByte(0x81);
        if (length < 126) {
            out.writeByte(length);
        } else if (length <= 0xFFFF) {
            out.writeByte(126);
            out.writeShort(length);
        } else {
            out.writeByte(127);
            out.writeLong(length);
        }
    }
}
