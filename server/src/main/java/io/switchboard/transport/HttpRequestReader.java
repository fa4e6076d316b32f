package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.metrics.Limit;
import io.switchboard.protocol.ClientText;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads HTTP/1.1 requests off a connection, each whole: head and body arrive downstream as one
 * {@link FullHttpRequest} once the last byte of the body is in, and nothing before. It does the
 * work of Netty's request decoder and aggregator in one pass over the bytes, without an object per
 * header line or body piece: most requests (a REST call, a fallback's send, a WebSocket upgrade)
 * arrive in one read.
 *
 * <ul>
 *   <li>Limits: a request line of at most {@value #MAX_REQUEST_LINE} bytes (414), a head of at most
 *       {@value #MAX_HEAD} bytes (431), a body of at most {@code max_request_body_bytes} (413).
 *   <li>Bodies by {@code Content-Length} or {@code Transfer-Encoding: chunked}; both at once,
 *       conflicting lengths or any other transfer coding are refused (400, 501), as request
 *       smuggling relies on them.
 *   <li>{@code Expect: 100-continue} is answered {@code 100 Continue} while the body is awaited
 *       (unless an earlier request's answer is still to be written), or 413 at once when the
 *       announced body is too large; other expectations get 417.
 *   <li>A request that cannot be read arrives as a request whose {@link
 *       FullHttpRequest#decoderResult() decoder result} failed with a {@link Refusal}: the router
 *       answers it, so that its answer takes its turn behind pipelined ones. After it the
 *       connection is read no further, except that a too-large body announced by {@code
 *       Content-Length} on a kept-alive connection is skipped and the next request read.
 * </ul>
 *
 * <p>Header names and values are kept as sent, as ISO-8859-1 text; a value may not hold control
 * characters and a header may not be folded over lines. Empty lines before a request are skipped.
 * The byte that ends each line is LF, optionally after CR.
 */
final class HttpRequestReader extends ByteToMessageDecoder {
    static final int MAX_REQUEST_LINE = 8192;
    static final int MAX_HEAD = MAX_REQUEST_LINE + 16384;
    private static final int MAX_CHUNK_LINE = 1024;

    /** Headers of requests read here: every name and value was checked while reading. */
    private static final HttpHeadersFactory READ_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory();

    private static final String TOO_LONG_LINE = "The request line is longer than " + MAX_REQUEST_LINE + " bytes";

    private enum State {
        HEAD,
        BODY,
        CHUNK_LINE,
        CHUNK_DATA,
        TRAILERS,
        SKIP_BODY,
        DONE
    }

    private final HttpLimits limits;
    private final ServerResponseEncoder encoder;
    private State state = State.HEAD;

    /** How far the search for the end of the head (or of the trailers) has looked. */
    private int scanned;

    /** The request whose body is being read. */
    private Head pending;

    /** A line end was found in the bytes scanned so far. */
    private boolean lineSeen;

    private long remaining;
    private ByteBuf chunks;

    HttpRequestReader(HttpLimits limits, ServerResponseEncoder encoder) {
        this.limits = limits;
        this.encoder = encoder;
    }

    /** Why a request was not read, and what its answer is. */
    static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;

        final int status;

        /** The connection may serve the next request after the answer. */
        final boolean keepOpen;

        Refusal(int status, String message, boolean keepOpen) {
            super(message, null, false, false);
            this.status = status;
            this.keepOpen = keepOpen;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEAD -> readHead(ctx, in, out);
            case BODY -> readBody(in, out);
            case CHUNK_LINE -> readChunkLine(in, out);
            case CHUNK_DATA -> readChunkData(in, out);
            case TRAILERS -> readTrailers(in, out);
            case SKIP_BODY -> skipBody(in);
            case DONE -> {}
        }
        if (state == State.DONE) {
            in.skipBytes(in.readableBytes()); // a refused request leaves nothing more to read
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // The connection has ended: a request still incomplete is not answered.
        in.skipBytes(in.readableBytes());
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releaseChunks();
    }

    // --- head ----------------------------------------------------------------------------------------

    private void readHead(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (scanned == 0) {
            // Empty lines before a request are ignored (RFC 9112 §2.2).
            while (in.isReadable()) {
                byte b = in.getByte(in.readerIndex());
                if (b != '\r' && b != '\n') {
                    break;
                }
                in.skipBytes(1);
            }
        }
        int start = in.readerIndex();
        int end = endOfBlock(in, start, MAX_HEAD);
        if (end == -2) {
            refuse(out, null, 431, "The request head is larger than " + MAX_HEAD + " bytes", false);
            return;
        }
        if (end < 0) {
            if (!lineSeen && in.writerIndex() - start > MAX_REQUEST_LINE) {
                refuse(out, null, 414, TOO_LONG_LINE, false);
            }
            return;
        }
        byte[] head = new byte[end - start];
        in.getBytes(start, head);
        in.skipBytes(head.length);
        scanned = 0;
        Head parsed = Head.parse(head);
        if (parsed.problem != null) {
            refuse(out, parsed.request(Unpooled.EMPTY_BUFFER), parsed.status, parsed.problem, false);
            return;
        }
        long length = parsed.contentLength;
        if (length > limits.maxRequestBodyBytes) {
            FullHttpRequest request = parsed.request(Unpooled.EMPTY_BUFFER);
            boolean keepOpen = !parsed.chunked && (parsed.expectContinue || HttpUtil.isKeepAlive(request));
            refuseTooLarge(out, request, keepOpen);
            if (keepOpen && !parsed.expectContinue) {
                remaining = length;
                state = State.SKIP_BODY; // the client sends the body; it is read past
            } else if (keepOpen) {
                state = State.HEAD; // the client was told not to send it
            }
            return;
        }
        if (!parsed.chunked && length == 0) {
            emit(out, parsed.request(Unpooled.EMPTY_BUFFER));
            return;
        }
        pending = parsed;
        if (parsed.expectContinue && !in.isReadable() && encoder.idle()) {
            // Behind an answer still to be written it is left out (RFC 9110 §10.1.1 allows it):
            // the client sends its body after a wait of its own.
            DefaultFullHttpResponse proceed = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);
            ctx.writeAndFlush(proceed, ctx.voidPromise());
        }
        if (parsed.chunked) {
            state = State.CHUNK_LINE;
        } else {
            remaining = length;
            state = State.BODY;
        }
    }

    /**
     * The index just past the empty line that ends a block of lines starting at {@code start}, -1
     * when it has not arrived, -2 when the block would be longer than {@code max} bytes. Looks at
     * each byte once however the block arrives.
     */
    private int endOfBlock(ByteBuf in, int start, int max) {
        int to = Math.min(in.writerIndex(), start + max);
        int i = start + scanned;
        while (i < to) {
            int lf = in.indexOf(i, to, (byte) '\n');
            if (lf < 0) {
                break;
            }
            lineSeen = true;
            // A line ends here; the block ends if the line is empty ("\n" or "\r\n" after the last LF).
            byte before = lf == start ? 0 : in.getByte(lf - 1);
            if (lf == start || before == '\n' || before == '\r' && (lf - 1 == start || in.getByte(lf - 2) == '\n')) {
                return lf + 1;
            }
            i = lf + 1;
        }
        if (to == start + max && in.writerIndex() >= start + max) {
            return -2;
        }
        scanned = to - start; // an ending is recognised at its LF, looking back
        return -1;
    }

    // --- bodies --------------------------------------------------------------------------------------

    private void readBody(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < remaining) {
            return; // the cumulation holds it until it is whole; its size is bounded by the limit
        }
        ByteBuf body = in.readRetainedSlice((int) remaining);
        emit(out, takePending().request(body));
    }

    private void readChunkLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = in.indexOf(start, Math.min(in.writerIndex(), start + MAX_CHUNK_LINE), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() >= MAX_CHUNK_LINE) {
                refuse(out, pendingRefused(), 400, "Malformed chunk size line", false);
            }
            return;
        }
        long size = 0;
        int digits = 0;
        int i = start;
        for (; i < lf; i++) {
            int d = Character.digit(in.getByte(i), 16);
            if (d < 0) {
                break;
            }
            if (++digits > 8) {
                break; // larger than any body allowed; refused below
            }
            size = size * 16 + d;
        }
        byte after = in.getByte(i);
        boolean wellFormed = digits > 0
                && digits <= 8
                && (after == ';' || after == '\r' && i + 1 == lf || i == lf || after == ' ' || after == '\t');
        if (!wellFormed) {
            refuse(out, pendingRefused(), 400, "Malformed chunk size line", false);
            return;
        }
        in.readerIndex(lf + 1);
        if (size == 0) {
            state = State.TRAILERS;
            scanned = 0;
            return;
        }
        long total = (chunks == null ? 0 : chunks.readableBytes()) + size;
        if (total > limits.maxRequestBodyBytes) {
            refuseTooLarge(out, pendingRefused(), false);
            return;
        }
        remaining = size;
        state = State.CHUNK_DATA;
    }

    private void readChunkData(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < remaining + 1) {
            return;
        }
        int end = in.readerIndex() + (int) remaining;
        int skip;
        if (in.getByte(end) == '\n') {
            skip = 1;
        } else if (in.readableBytes() < remaining + 2) {
            return;
        } else if (in.getByte(end) == '\r' && in.getByte(end + 1) == '\n') {
            skip = 2;
        } else {
            refuse(out, pendingRefused(), 400, "Malformed chunk: no line end after its data", false);
            return;
        }
        if (chunks == null) {
            chunks = in.alloc().buffer((int) remaining);
        }
        chunks.writeBytes(in, (int) remaining);
        in.skipBytes(skip);
        state = State.CHUNK_LINE;
    }

    private void readTrailers(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = endOfBlock(in, start, MAX_HEAD);
        if (end == -2) {
            refuse(out, pendingRefused(), 431, "The request trailers are larger than " + MAX_HEAD + " bytes", false);
            return;
        }
        if (end < 0) {
            return;
        }
        in.readerIndex(end); // trailer fields are read past, as no route uses them
        scanned = 0;
        ByteBuf body = chunks == null ? Unpooled.EMPTY_BUFFER : chunks;
        chunks = null;
        FullHttpRequest whole = takePending().request(body);
        whole.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        HttpUtil.setContentLength(whole, body.readableBytes());
        emit(out, whole);
    }

    private void skipBody(ByteBuf in) {
        int n = (int) Math.min(remaining, in.readableBytes());
        in.skipBytes(n);
        remaining -= n;
        if (remaining == 0) {
            state = State.HEAD;
        }
    }

    // --- passing on ----------------------------------------------------------------------------------

    private void emit(List<Object> out, FullHttpRequest request) {
        state = State.HEAD;
        scanned = 0;
        lineSeen = false;
        encoder.requestRead(request.method());
        out.add(request);
    }

    /**
     * Passes on a request that will not be served, to be answered in its turn: with {@code request}
     * when its head was read, else as a bare request for {@code /}. Unless {@code keepOpen}, the
     * connection is read no further.
     */
    private void refuse(List<Object> out, FullHttpRequest request, int status, String message, boolean keepOpen) {
        FullHttpRequest refused = request != null ? request : new Head().request(Unpooled.EMPTY_BUFFER);
        refused.setDecoderResult(DecoderResult.failure(new Refusal(status, message, keepOpen)));
        releaseChunks();
        emit(out, refused);
        if (!keepOpen) {
            state = State.DONE;
        }
    }

    /** Refuses a request whose body is larger than {@code max_request_body_bytes}, and counts it. */
    private void refuseTooLarge(List<Object> out, FullHttpRequest request, boolean keepOpen) {
        limits.rejections.count(null, Limit.MAX_REQUEST_BODY_BYTES);
        refuse(out, request, 413, "Request body is larger than " + limits.maxRequestBodyBytes + " bytes", keepOpen);
    }

    private Head takePending() {
        Head head = pending;
        pending = null;
        return head;
    }

    /** The request whose body was being read, refused without it. */
    private FullHttpRequest pendingRefused() {
        return takePending().request(Unpooled.EMPTY_BUFFER);
    }

    private void releaseChunks() {
        if (chunks != null) {
            chunks.release();
            chunks = null;
        }
    }

    /** The characters of a token (RFC 9110 §5.6.2), by ASCII code. */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    /** A request head, read from its bytes (request line, header lines, the empty line). */
    private static final class Head {
        HttpVersion version = HttpVersion.HTTP_1_1;
        HttpMethod method = HttpMethod.GET;
        String target = "/";
        final HttpHeaders headers = READ_HEADERS.newHeaders();
        long contentLength;
        boolean chunked;
        boolean expectContinue;
        int status;
        String problem;

        FullHttpRequest request(ByteBuf content) {
            return new DefaultFullHttpRequest(version, method, target, content, headers, TRAILERS.newHeaders());
        }

        static Head parse(byte[] b) {
            Head h = new Head();
            int n = b.length;
            int lineEnd = lineEnd(b, 0);
            if (lineEnd > MAX_REQUEST_LINE) {
                return h.fail(414, TOO_LONG_LINE);
            }
            int sp1 = indexOf(b, 0, lineEnd, (byte) ' ');
            int sp2 = sp1 < 0 ? -1 : indexOf(b, sp1 + 1, lineEnd, (byte) ' ');
            if (sp1 <= 0 || sp2 < 0 || sp2 == sp1 + 1 || !isToken(b, 0, sp1) || !isTarget(b, sp1 + 1, sp2)) {
                return h.fail(400, "Malformed request line");
            }
            HttpVersion version = version(b, sp2 + 1, lineEnd);
            if (version == null) {
                return h.fail(isHttpVersion(b, sp2 + 1, lineEnd) ? 505 : 400, "Unsupported HTTP version");
            }
            h.version = version;
            h.method = HttpMethod.valueOf(latin1(b, 0, sp1));
            h.target = latin1(b, sp1 + 1, sp2);
            HttpHeaders headers = h.headers;
            String length = null;
            String transferEncoding = null;
            int pos = next(b, lineEnd);
            while (pos < n) {
                int end = lineEnd(b, pos);
                if (end == pos) {
                    break; // the empty line
                }
                int colon = indexOf(b, pos, end, (byte) ':');
                if (colon <= pos || !isToken(b, pos, colon)) {
                    return h.fail(400, "Malformed header line");
                }
                int from = colon + 1;
                int to = end;
                while (from < to && (b[from] == ' ' || b[from] == '\t')) {
                    from++;
                }
                while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
                    to--;
                }
                if (!isFieldValue(b, from, to)) {
                    return h.fail(400, "Malformed header value");
                }
                String name = latin1(b, pos, colon);
                String value = latin1(b, from, to);
                headers.add(name, value);
                if (name.equalsIgnoreCase("content-length")) {
                    if (length != null && !length.equals(value)) {
                        return h.fail(400, "Conflicting Content-Length headers");
                    }
                    length = value;
                } else if (name.equalsIgnoreCase("transfer-encoding")) {
                    transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
                } else if (name.equalsIgnoreCase("expect")) {
                    if (!value.equalsIgnoreCase("100-continue")) {
                        return h.fail(417, "Unsupported expectation: " + ClientText.quote(value));
                    }
                    h.expectContinue = version == HttpVersion.HTTP_1_1;
                }
                pos = next(b, end);
            }
            if (transferEncoding != null) {
                if (length != null || version != HttpVersion.HTTP_1_1) {
                    return h.fail(400, "Transfer-Encoding with Content-Length or on HTTP/1.0");
                }
                if (!transferEncoding.strip().equalsIgnoreCase("chunked")) {
                    return h.fail(501, "Unsupported Transfer-Encoding: " + ClientText.quote(transferEncoding));
                }
                h.chunked = true;
            } else if (length != null) {
                h.contentLength = contentLength(length);
                if (h.contentLength < 0) {
                    return h.fail(400, "Malformed Content-Length");
                }
            }
            return h;
        }

        private Head fail(int status, String problem) {
            this.status = status;
            this.problem = problem;
            return this;
        }

        /** The index of the LF or CR LF ending the line at {@code from} (the array ends with one). */
        private static int lineEnd(byte[] b, int from) {
            int lf = indexOf(b, from, b.length, (byte) '\n');
            return lf > from && b[lf - 1] == '\r' ? lf - 1 : lf;
        }

        private static int next(byte[] b, int lineEnd) {
            return b[lineEnd] == '\r' ? lineEnd + 2 : lineEnd + 1;
        }

        private static int indexOf(byte[] b, int from, int to, byte value) {
            for (int i = from; i < to; i++) {
                if (b[i] == value) {
                    return i;
                }
            }
            return -1;
        }

        private static long contentLength(String value) {
            if (value.isEmpty() || value.length() > 18) {
                return -1;
            }
            long n = 0;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                n = n * 10 + (c - '0');
            }
            return n;
        }

        private static HttpVersion version(byte[] b, int from, int to) {
            if (to - from != 8 || !startsWith(b, from, "HTTP/1.")) {
                return null;
            }
            return switch (b[from + 7]) {
                case '1' -> HttpVersion.HTTP_1_1;
                case '0' -> HttpVersion.HTTP_1_0;
                default -> null;
            };
        }

        private static boolean isHttpVersion(byte[] b, int from, int to) {
            return to - from == 8
                    && startsWith(b, from, "HTTP/")
                    && isDigit(b[from + 5])
                    && b[from + 6] == '.'
                    && isDigit(b[from + 7]);
        }

        private static boolean startsWith(byte[] b, int from, String prefix) {
            for (int i = 0; i < prefix.length(); i++) {
                if (b[from + i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isDigit(byte c) {
            return c >= '0' && c <= '9';
        }

        /** RFC 9110 §5.6.2: a method or header name. */
        private static boolean isToken(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] < 0 || !TOKEN[b[i]]) {
                    return false;
                }
            }
            return true;
        }

        /** A request target: no spaces or control characters. */
        private static boolean isTarget(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                int c = b[i] & 0xff;
                if (c <= ' ' || c == 0x7f) {
                    return false;
                }
            }
            return true;
        }

        /** RFC 9110 §5.5: visible characters, spaces and tabs, and obs-text. */
        private static boolean isFieldValue(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                int c = b[i] & 0xff;
                if (c < ' ' && c != '\t' || c == 0x7f) {
                    return false;
                }
            }
            return true;
        }

        private static String latin1(byte[] b, int from, int to) {
            return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        }
    }
}
