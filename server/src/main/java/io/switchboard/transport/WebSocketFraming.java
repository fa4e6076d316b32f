package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.switchboard.channel.SharedFrame;

/**
 * Frames an event once for every WebSocket subscriber: an unmasked, final text frame (RFC 6455
 * §5.2) in one direct buffer, header and payload together, which each subscriber is written a
 * duplicate of.
 */
public final class WebSocketFraming implements SharedFrame.Framing {
    private static final int FIN_TEXT = 0x80 | 0x1; // FIN bit, opcode 1 (text)
    private static final int LENGTH_16_BIT = 126;
    private static final int LENGTH_64_BIT = 127;
    private static final int MAX_HEADER_BYTES = 10;

    private final ByteBufAllocator alloc;

    public WebSocketFraming(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    @Override
    public ByteBuf frame(byte[] json) {
        ByteBuf out = alloc.directBuffer(json.length + MAX_HEADER_BYTES);
        out.writeByte(FIN_TEXT);
        if (json.length < LENGTH_16_BIT) {
            out.writeByte(json.length);
        } else if (json.length <= 0xFFFF) {
            out.writeByte(LENGTH_16_BIT);
            out.writeShort(json.length);
        } else {
            out.writeByte(LENGTH_64_BIT);
            out.writeLong(json.length);
        }
        return out.writeBytes(json);
    }
}
