package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Reads a client's WebSocket frames (RFC 6455 §5) from the bytes its socket delivers and hands a
 * {@link Receiver} whole messages (fragments reassembled) and control frames, one at a time, when
 * the receiver asks for the next one. It is the frame decoder of one connection, kept in the
 * connection's {@link WebSocketTransport} instead of a handler of its own, so a connection's
 * pipeline holds one handler (after TLS) and a frame is read without passing between handlers.
 *
 * <p>Every rule of RFC 6455 §5 that a frame can break fails the connection: client frames must be
 * masked, RSV bits need a negotiated extension (RSV1 on the first frame of a message, with
 * permessage-deflate), opcodes must be defined, control frames must be final with at most 125
 * bytes, lengths use the shortest encoding, a continuation needs a message to continue and a new
 * message must wait for the last to end, and a close frame's status and reason must be valid. A
 * frame (or a fragmented message so far) over the size limit fails it with 1009, as soon as its
 * header says so: nothing larger than that limit is ever held. After a failure, or a close frame,
 * nothing more is read.
 *
 * <p>Not thread-safe: used on the connection's event loop only.
 */
final class WebSocketReader {
    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    private static final int FIN = 0x80;
    private static final int RSV_BITS = 0x70;
    private static final int RSV1 = 0x40;
    private static final int OPCODE_BITS = 0x0F;
    private static final int MASK = 0x80;
    private static final int LENGTH_BITS = 0x7F;
    private static final int LENGTH_16_BIT = 126;
    private static final int LENGTH_64_BIT = 127;
    private static final int MAX_CONTROL_PAYLOAD = 125;
    private static final int MASK_BYTES = 4;
    private static final int FIRST_PARTIAL_CAPACITY = 256;

    static final int PROTOCOL_ERROR = 1002;
    static final int INVALID_PAYLOAD = 1007;
    static final int MESSAGE_TOO_BIG = 1009;

    /** What a connection does with what its client sent. */
    interface Receiver {
        /**
         * A whole message. {@code content} is valid only during the call.
         *
         * @param compressed RSV1 was set on its first frame (only when permessage-deflate was
         *     negotiated)
         */
        void message(boolean text, boolean compressed, ByteBuf content);

        /** A ping; {@code payload} is valid only during the call. */
        void ping(ByteBuf payload);

        void pong();

        /**
         * The client's close frame; nothing more is read after it.
         *
         * @param status its status code, or -1 when it had none
         */
        void closeReceived(int status, String reason);

        /**
         * A frame broke the protocol or the size limit: close with {@code status} (1002, 1007 or
         * 1009). Nothing more is read.
         */
        void failed(int status, String reason);
    }

    private final ByteBufAllocator alloc;
    private final int maxMessageBytes;
    /** Whether RSV1 may be set on a message's first frame (permessage-deflate negotiated). */
    private final boolean deflate;

    /** Bytes received and not yet read as frames; null when there are none. */
    private ByteBuf buffered;
    /** The fragments so far of a message sent in several frames; null between messages. */
    private ByteBuf partial;

    private boolean partialText;
    private boolean partialCompressed;
    /** After a failure, a close frame or {@link #release}: input is dropped. */
    private boolean done;

    WebSocketReader(ByteBufAllocator alloc, int maxMessageBytes, boolean deflate) {
        this.alloc = alloc;
        this.maxMessageBytes = maxMessageBytes;
        this.deflate = deflate;
    }

    /** Takes {@code in} (and releases it) to be read by {@link #next}. */
    void add(ByteBuf in) {
        if (done || !in.isReadable()) {
            in.release();
            return;
        }
        ByteBuf b = buffered;
        if (b == null) {
            buffered = in;
            return;
        }
        try {
            int more = in.readableBytes();
            if (b.refCnt() == 1 && !b.isReadOnly() && b.writableBytes() >= more) {
                b.writeBytes(in);
            } else {
                // The frame being read spans reads: keep its bytes together, with room to grow.
                int have = b.readableBytes();
                ByteBuf merged = alloc.buffer(Math.max(2 * (have + more), FIRST_PARTIAL_CAPACITY));
                merged.writeBytes(b).writeBytes(in);
                b.release();
                buffered = merged;
            }
        } finally {
            in.release();
        }
    }

    /**
     * Reads the next frame, if all of it has arrived, and hands it (or the message it completes)
     * to {@code receiver}. Returns whether a frame was read: false when the next one has not
     * arrived whole, or nothing more is to be read.
     */
    boolean next(Receiver receiver) {
        ByteBuf in = buffered;
        if (done || in == null) {
            return false;
        }
        int at = in.readerIndex();
        int available = in.readableBytes();
        if (available < 2) {
            return available == 0 ? compactIfEmpty() : awaitRest();
        }
        int b0 = in.getUnsignedByte(at);
        int b1 = in.getUnsignedByte(at + 1);
        boolean fin = (b0 & FIN) != 0;
        int rsv = b0 & RSV_BITS;
        int opcode = b0 & OPCODE_BITS;
        boolean control = (opcode & 0x8) != 0;
        String broken = rule(fin, rsv, opcode, control, (b1 & MASK) != 0, b1 & LENGTH_BITS);
        if (broken != null) {
            return fail(receiver, PROTOCOL_ERROR, broken);
        }
        int length7 = b1 & LENGTH_BITS;
        int headerBytes = 2;
        long length = length7;
        if (length7 == LENGTH_16_BIT) {
            if (available < 4) {
                return awaitRest();
            }
            length = in.getUnsignedShort(at + 2);
            headerBytes = 4;
            if (length < LENGTH_16_BIT) {
                return fail(receiver, PROTOCOL_ERROR, "Frame length not in its shortest form");
            }
        } else if (length7 == LENGTH_64_BIT) {
            if (available < 10) {
                return awaitRest();
            }
            length = in.getLong(at + 2);
            headerBytes = 10;
            if (length < 0) {
                return fail(receiver, PROTOCOL_ERROR, "Frame length with its most significant bit set");
            }
            if (length <= 0xFFFF) {
                return fail(receiver, PROTOCOL_ERROR, "Frame length not in its shortest form");
            }
        }
        long message = opcode == CONTINUATION ? partial.readableBytes() + length : length;
        if (message > maxMessageBytes) {
            return fail(receiver, MESSAGE_TOO_BIG, "Message larger than " + maxMessageBytes + " bytes");
        }
        int payloadAt = at + headerBytes + MASK_BYTES;
        int frameBytes = headerBytes + MASK_BYTES + (int) length;
        if (available < frameBytes) {
            return awaitRest();
        }
        unmask(in, in.getInt(payloadAt - MASK_BYTES), payloadAt, (int) length);
        ByteBuf payload = in.slice(payloadAt, (int) length);
        in.readerIndex(at + frameBytes);
        if (control) {
            control(receiver, opcode, payload);
        } else {
            data(receiver, fin, rsv != 0, opcode, payload);
        }
        if (!done) {
            compactIfEmpty();
        }
        return true;
    }

    /** The rule of RFC 6455 §5 the frame's first two bytes break, or null. */
    private String rule(boolean fin, int rsv, int opcode, boolean control, boolean masked, int length7) {
        if (rsv != 0 && (rsv != RSV1 || !deflate)) {
            return "RSV bits set that were not negotiated";
        }
        if (!masked) {
            return "Client frame not masked";
        }
        if (control) {
            if (opcode != CLOSE && opcode != PING && opcode != PONG) {
                return "Control frame with a reserved opcode";
            }
            if (!fin) {
                return "Fragmented control frame";
            }
            if (length7 > MAX_CONTROL_PAYLOAD) {
                return "Control frame longer than 125 bytes";
            }
            if (rsv != 0) {
                return "RSV bits set on a control frame";
            }
            if (opcode == CLOSE && length7 == 1) {
                return "Close frame with a 1-byte body";
            }
            return null;
        }
        if (opcode != CONTINUATION && opcode != TEXT && opcode != BINARY) {
            return "Data frame with a reserved opcode";
        }
        if (opcode == CONTINUATION) {
            if (partial == null) {
                return "Continuation frame outside a fragmented message";
            }
            if (rsv != 0) {
                return "RSV bits set on a continuation frame";
            }
        } else if (partial != null) {
            return "New message inside a fragmented message";
        }
        return null;
    }

    private void control(Receiver receiver, int opcode, ByteBuf payload) {
        switch (opcode) {
            case PING -> receiver.ping(payload);
            case PONG -> receiver.pong();
            default -> closeFrame(receiver, payload);
        }
    }

    private void closeFrame(Receiver receiver, ByteBuf payload) {
        if (!payload.isReadable()) {
            release();
            receiver.closeReceived(-1, "");
            return;
        }
        int status = payload.getUnsignedShort(payload.readerIndex());
        if (!validCloseStatus(status)) {
            fail(receiver, PROTOCOL_ERROR, "Invalid close status " + status);
            return;
        }
        String reason;
        try {
            reason = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(payload.nioBuffer(payload.readerIndex() + 2, payload.readableBytes() - 2))
                    .toString();
        } catch (CharacterCodingException e) {
            fail(receiver, INVALID_PAYLOAD, "Close reason is not valid UTF-8");
            return;
        }
        release();
        receiver.closeReceived(status, reason);
    }

    /** RFC 6455 §7.4: the defined codes an endpoint may send, and the registered and private ranges. */
    static boolean validCloseStatus(int status) {
        return (status >= 1000 && status <= 1003)
                || (status >= 1007 && status <= 1014)
                || (status >= 3000 && status <= 4999);
    }

    private void data(Receiver receiver, boolean fin, boolean compressed, int opcode, ByteBuf payload) {
        if (opcode != CONTINUATION) {
            if (fin) {
                receiver.message(opcode == TEXT, compressed, payload);
                return;
            }
            partialText = opcode == TEXT;
            partialCompressed = compressed;
            partial = alloc.heapBuffer(Math.max(FIRST_PARTIAL_CAPACITY, 2 * payload.readableBytes()))
                    .writeBytes(payload);
            return;
        }
        partial.writeBytes(payload);
        if (fin) {
            ByteBuf whole = partial;
            partial = null;
            try {
                receiver.message(partialText, partialCompressed, whole);
            } finally {
                whole.release();
            }
        }
    }

    private boolean fail(Receiver receiver, int status, String reason) {
        release();
        receiver.failed(status, reason);
        return false;
    }

    /**
     * The next frame has not arrived whole. Its bytes wait in a buffer their size rather than in
     * the read's, whose size follows the loop's recent reads (up to 64 KiB): a client that leaves
     * a frame unfinished holds what it sent, not what others did.
     */
    private boolean awaitRest() {
        ByteBuf in = buffered;
        int have = in.readableBytes();
        if (in.capacity() > FIRST_PARTIAL_CAPACITY && in.capacity() > 4 * have) {
            ByteBuf kept = alloc.buffer(Math.max(2 * have, FIRST_PARTIAL_CAPACITY));
            kept.writeBytes(in);
            in.release();
            buffered = kept;
        }
        return false;
    }

    private boolean compactIfEmpty() {
        if (buffered != null && !buffered.isReadable()) {
            buffered.release();
            buffered = null;
        }
        return false;
    }

    /** Reads nothing more, and lets go of what is held: for a connection that closed. */
    void release() {
        done = true;
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    /** XORs {@code length} bytes at {@code at} with the frame's mask (RFC 6455 §5.3), in place. */
    private static void unmask(ByteBuf in, int mask, int at, int length) {
        if (mask == 0) {
            return;
        }
        int end = at + length;
        int i = at;
        long wide = ((long) mask << 32) | (mask & 0xFFFFFFFFL);
        for (; i + 8 <= end; i += 8) {
            in.setLong(i, in.getLong(i) ^ wide);
        }
        for (int k = 0; i < end; i++, k++) {
            int shift = 24 - 8 * (k & 3);
            in.setByte(i, in.getByte(i) ^ (mask >>> shift));
        }
    }
}
