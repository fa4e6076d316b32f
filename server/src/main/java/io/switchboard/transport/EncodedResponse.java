package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A complete HTTP/1.1 response already in its wire form: status line, headers and body in one
 * buffer, built without a header map or the encoder's passes. {@link ServerResponseEncoder} writes
 * it as it is (without its body after a {@code HEAD}); {@link HttpConnectionGuard} sees it as the
 * whole answer to its request.
 */
final class EncodedResponse extends DefaultByteBufHolder {
    private static final byte[] CONTENT_LENGTH = bytes(HttpHeaderNames.CONTENT_LENGTH + ": ");
    private static final int MAX_CACHED_STATUS = 599;

    /**
     * Status line and fixed headers for JSON with CORS headers, kept-alive at {@code status} and
     * closing at {@code MAX_CACHED_STATUS + 1 + status}; filled as statuses are first answered, on
     * any event loop.
     */
    private static final AtomicReferenceArray<byte[]> JSON_HEADS =
            new AtomicReferenceArray<>(2 * (MAX_CACHED_STATUS + 1));

    /** The bytes of the status line and headers; the body follows them. */
    final int headLength;

    /** The connection closes once this is written. */
    final boolean close;

    private EncodedResponse(ByteBuf bytes, int headLength, boolean close) {
        super(bytes);
        this.headLength = headLength;
        this.close = close;
    }

    /**
     * A response with {@code body} and the given headers, ending with {@code Content-Length}.
     *
     * @param cors with the CORS headers of {@link HttpResponses#cors}
     */
    static EncodedResponse of(
            ChannelHandlerContext ctx, int status, String contentType, boolean cors, boolean keepAlive, byte[] body) {
        byte[] head = head(status, contentType, cors, keepAlive);
        ByteBuf bytes = ctx.alloc().buffer(head.length + CONTENT_LENGTH.length + 14 + body.length);
        bytes.writeBytes(head).writeBytes(CONTENT_LENGTH);
        writeDecimal(bytes, body.length);
        bytes.writeInt(('\r' << 24) | ('\n' << 16) | ('\r' << 8) | '\n');
        int headLength = bytes.readableBytes();
        bytes.writeBytes(body);
        return new EncodedResponse(bytes, headLength, !keepAlive);
    }

    private static byte[] head(int status, String contentType, boolean cors, boolean keepAlive) {
        boolean cached = cors && contentType.equals("application/json") && status >= 100 && status <= MAX_CACHED_STATUS;
        if (!cached) {
            return build(status, contentType, cors, keepAlive);
        }
        int slot = keepAlive ? status : MAX_CACHED_STATUS + 1 + status;
        byte[] head = JSON_HEADS.get(slot);
        if (head == null) {
            // Built again by a racing thread at worst: the same bytes.
            head = build(status, contentType, true, keepAlive);
            JSON_HEADS.set(slot, head);
        }
        return head;
    }

    private static byte[] build(int status, String contentType, boolean cors, boolean keepAlive) {
        StringBuilder head = new StringBuilder(256)
                .append("HTTP/1.1 ")
                .append(HttpResponseStatus.valueOf(status))
                .append("\r\n");
        header(head, HttpHeaderNames.CONTENT_TYPE, contentType);
        if (cors) {
            header(head, HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, HttpResponses.ALLOW_ORIGIN);
            header(head, HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, HttpResponses.ALLOW_METHODS);
            header(head, HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, HttpResponses.ALLOW_HEADERS);
        }
        header(head, HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return bytes(head.toString());
    }

    private static void header(StringBuilder head, CharSequence name, CharSequence value) {
        head.append(name).append(": ").append(value).append("\r\n");
    }

    private static void writeDecimal(ByteBuf out, int n) {
        if (n >= 10) {
            writeDecimal(out, n / 10);
        }
        out.writeByte('0' + n % 10);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
