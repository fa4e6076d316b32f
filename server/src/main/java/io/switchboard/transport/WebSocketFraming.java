package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import io.switchboard.channel.SharedFrame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * The server's WebSocket frames (RFC 6455 §5.2: unmasked, final). An event is framed once for
 * every subscriber: one direct buffer, header and payload together, which each subscriber is
 * written a duplicate of. A connection's own frames (answers to it, pings, pongs, closes) are
 * framed by the static methods, for {@link WebSocketTransport}.
 *
 * <p>For subscribers that negotiated permessage-deflate (RFC 7692, always with {@code
 * server_no_context_takeover}, see {@link PerMessageDeflate}) the same event is compressed once,
 * as a message of its own, into a second frame with RSV1 set. Each thread (an event loop) keeps
 * one {@link Deflater} and reuses it for every message, so compression holds no state per
 * connection.
 */
public final class WebSocketFraming implements SharedFrame.Framing {
    /** Messages shorter than this are sent uncompressed (RSV1 clear), which RFC 7692 allows. */
    static final int MIN_DEFLATE_BYTES = 256;

    private static final int FIN = 0x80;
    private static final int FIN_TEXT = FIN | WebSocketReader.TEXT;
    /** A control frame's 125 bytes, less the status code's two. */
    private static final int MAX_CLOSE_REASON_BYTES = 123;

    private static final int RSV1 = 0x40; // "per-message compressed" (RFC 7692 §6)
    private static final int LENGTH_16_BIT = 126;
    private static final int LENGTH_64_BIT = 127;
    private static final int MAX_HEADER_BYTES = 10;
    /** zlib's default: most of level 9's ratio on JSON at a fraction of its time. */
    private static final int LEVEL = 6;

    private static final FastThreadLocal<LoopDeflater> DEFLATERS = new FastThreadLocal<>() {
        @Override
        protected LoopDeflater initialValue() {
            return new LoopDeflater();
        }

        @Override
        protected void onRemoval(LoopDeflater value) {
            value.deflater.end();
        }
    };

    private final ByteBufAllocator alloc;

    public WebSocketFraming(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    @Override
    public ByteBuf frame(byte[] json) {
        ByteBuf out = alloc.directBuffer(json.length + MAX_HEADER_BYTES);
        header(out, FIN_TEXT, json.length);
        return out.writeBytes(json);
    }

    /**
     * {@code json} as one compressed message (RSV1 set) in a new direct buffer owned by the caller,
     * or {@code null} when it is shorter than {@link #MIN_DEFLATE_BYTES} or does not get smaller.
     */
    @Override
    public ByteBuf deflatedFrame(byte[] json) {
        if (json.length < MIN_DEFLATE_BYTES) {
            return null;
        }
        LoopDeflater d = DEFLATERS.get();
        int length = d.deflate(json);
        if (length >= json.length) {
            return null;
        }
        ByteBuf out = alloc.directBuffer(length + MAX_HEADER_BYTES);
        header(out, FIN_TEXT | RSV1, length);
        return out.writeBytes(d.out, 0, length);
    }

    /** A final text frame holding {@code json}, for one connection. */
    static ByteBuf text(ByteBufAllocator alloc, byte[] json) {
        ByteBuf out = alloc.directBuffer(json.length + MAX_HEADER_BYTES);
        header(out, FIN_TEXT, json.length);
        return out.writeBytes(json);
    }

    /** A ping with no payload. */
    static ByteBuf ping(ByteBufAllocator alloc) {
        return alloc.directBuffer(2).writeByte(FIN | WebSocketReader.PING).writeByte(0);
    }

    /** A pong carrying the ping's {@code payload} (at most 125 bytes, as the ping's was). */
    static ByteBuf pong(ByteBufAllocator alloc, ByteBuf payload) {
        int length = payload.readableBytes();
        return alloc.directBuffer(2 + length)
                .writeByte(FIN | WebSocketReader.PONG)
                .writeByte(length)
                .writeBytes(payload, payload.readerIndex(), length);
    }

    /**
     * A close frame with {@code status} and {@code reason}, the reason cut to the 123 bytes a control
     * frame has room for (at a character boundary).
     */
    static ByteBuf close(ByteBufAllocator alloc, int status, String reason) {
        byte[] text = closeReason(reason);
        return alloc.directBuffer(4 + text.length)
                .writeByte(FIN | WebSocketReader.CLOSE)
                .writeByte(2 + text.length)
                .writeShort(status)
                .writeBytes(text);
    }

    private static byte[] closeReason(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_CLOSE_REASON_BYTES) {
            return bytes;
        }
        int end = MAX_CLOSE_REASON_BYTES;
        while ((bytes[end] & 0xC0) == 0x80) {
            end--; // not inside a character: back to the start of the one that does not fit
        }
        return Arrays.copyOf(bytes, end);
    }

    private static void header(ByteBuf out, int first, int length) {
        out.writeByte(first);
        if (length < LENGTH_16_BIT) {
            out.writeByte(length);
        } else if (length <= 0xFFFF) {
            out.writeByte(LENGTH_16_BIT);
            out.writeShort(length);
        } else {
            out.writeByte(LENGTH_64_BIT);
            out.writeLong(length);
        }
    }

    /** A thread's deflater and output array, both reused message after message. */
    private static final class LoopDeflater {
        /** An output array larger than this is not kept for small messages. */
        private static final int KEEP_BYTES = 64 * 1024;

        final Deflater deflater = new Deflater(LEVEL, true); // raw DEFLATE, no zlib wrapper
        byte[] out = new byte[4096];

        /**
         * Compresses {@code json} into {@link #out} as RFC 7692 §7.2.1 says: a sync flush, whose
         * trailing empty block ({@code 00 00 ff ff}) is removed. Returns the length.
         */
        int deflate(byte[] json) {
            deflater.reset(); // no context taken over from the previous message
            deflater.setInput(json);
            int expected = json.length / 2 + 64;
            byte[] buf = out;
            if (buf.length < expected || (buf.length > KEEP_BYTES && expected <= KEEP_BYTES)) {
                buf = new byte[Math.max(expected, 4096)];
            }
            int length = 0;
            while (true) {
                length += deflater.deflate(buf, length, buf.length - length, Deflater.SYNC_FLUSH);
                if (length < buf.length) {
                    break; // all input consumed and flushed
                }
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            out = buf;
            return length - 4;
        }
    }
}
