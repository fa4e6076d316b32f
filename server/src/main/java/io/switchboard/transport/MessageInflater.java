package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates the compressed messages (RSV1 set) of a client that negotiated permessage-deflate, for
 * {@link WebSocketTransport}, which calls it with whole messages. Every message is independent
 * ({@code client_no_context_takeover} is always negotiated, see {@link PerMessageDeflate}): one
 * {@link Inflater} per event loop serves every connection, and one instance of this class every
 * transport.
 *
 * <p>A message that inflates to more than {@code max_frame_bytes} is refused as soon as it gets
 * there (the transport closes with 1009), so a small compressed frame cannot make the server
 * allocate more than that.
 */
final class MessageInflater {
    /** The empty stored block the sender removed from the end of the message (RFC 7692 §7.2.2). */
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};

    private static final FastThreadLocal<Inflater> INFLATERS = new FastThreadLocal<>() {
        @Override
        protected Inflater initialValue() {
            return new Inflater(true); // raw DEFLATE, 32 KiB window
        }

        @Override
        protected void onRemoval(Inflater value) {
            value.end();
        }
    };

    private final int maxMessageBytes;

    MessageInflater(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * The message inflated into a new heap buffer owned by the caller, or {@code null} when it would
     * be larger than {@link #maxMessageBytes} (nothing is kept then).
     */
    ByteBuf inflate(ByteBufAllocator alloc, ByteBuf compressed) throws DataFormatException {
        Inflater inflater = INFLATERS.get();
        inflater.reset();
        inflater.setInput(compressed.nioBuffer());
        boolean tailGiven = false;
        int initial = (int) Math.min(maxMessageBytes + 1L, Math.max(256L, 4L * compressed.readableBytes()));
        ByteBuf out = alloc.heapBuffer(initial);
        try {
            while (!inflater.finished()) {
                if (inflater.needsInput()) {
                    if (tailGiven) {
                        break;
                    }
                    inflater.setInput(ByteBuffer.wrap(TAIL));
                    tailGiven = true;
                    continue;
                }
                if (!out.isWritable()) {
                    if (out.writerIndex() > maxMessageBytes) {
                        out.release();
                        return null;
                    }
                    out.ensureWritable(Math.min(out.capacity(), maxMessageBytes + 1 - out.writerIndex()));
                }
                long read = inflater.getBytesRead();
                int n = inflater.inflate(out.array(), out.arrayOffset() + out.writerIndex(), out.writableBytes());
                out.writerIndex(out.writerIndex() + n);
                if (out.writerIndex() > maxMessageBytes) {
                    out.release();
                    return null;
                }
                if (n == 0 && inflater.getBytesRead() == read && !inflater.needsInput() && !inflater.finished()) {
                    throw new DataFormatException(inflater.needsDictionary() ? "needs a dictionary" : "no progress");
                }
            }
            return out;
        } catch (DataFormatException | RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
