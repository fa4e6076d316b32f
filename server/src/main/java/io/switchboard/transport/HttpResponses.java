package io.switchboard.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.switchboard.api.ApiResponse;

/** Writing complete HTTP responses. */
final class HttpResponses {
    private HttpResponses() {}

    /** Sends a JSON response; closes the connection unless the request asked to keep it alive. */
    static void json(ChannelHandlerContext ctx, boolean keepAlive, int status, byte[] body) {
        send(ctx, keepAlive, status, "application/json", body);
    }

    static void jsonError(ChannelHandlerContext ctx, boolean keepAlive, int status, String message) {
        json(ctx, keepAlive, status, ApiResponse.error(status, message).body());
    }

    /**
     * Answers a request the {@link HttpRequestReader} could not read, with the status and reason it
     * gave; returns {@code false}, answering nothing, for a request that was read.
     */
    static boolean refused(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        if (request.decoderResult().isSuccess()) {
            return false;
        }
        if (request.decoderResult().cause() instanceof HttpRequestReader.Refusal refusal) {
            jsonError(ctx, keepAlive && refusal.keepOpen, refusal.status, refusal.getMessage());
        } else {
            jsonError(ctx, false, 400, "Malformed HTTP request");
        }
        return true;
    }

    /** The CORS headers' values, for {@link #cors} and {@link EncodedResponse}. */
    static final String ALLOW_ORIGIN = "*";

    static final String ALLOW_METHODS = "GET, POST, OPTIONS";
    static final String ALLOW_HEADERS = "Content-Type";

    /** CORS headers for pusher-js's cross-origin XHRs, which carry no credentials. */
    static void cors(HttpHeaders headers) {
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, ALLOW_ORIGIN);
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
    }

    static void send(ChannelHandlerContext ctx, boolean keepAlive, int status, String contentType, byte[] body) {
        send(ctx, keepAlive, status, contentType, body, true);
    }

    /**
     * Sends a response; {@code cors} false leaves out the CORS headers, for answers no page on
     * another origin may read (the admin listener's).
     */
    static void send(
            ChannelHandlerContext ctx, boolean keepAlive, int status, String contentType, byte[] body, boolean cors) {
        flush(ctx, EncodedResponse.of(ctx, status, contentType, cors, keepAlive, body), keepAlive);
    }

    /** Writes a complete response; closes the connection after it unless {@code keepAlive}. */
    static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        response.headers()
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        flush(ctx, response, keepAlive);
    }

    /** Writes a whole answer and, unless {@code keepAlive}, closes the connection once it is out. */
    private static void flush(ChannelHandlerContext ctx, Object response, boolean keepAlive) {
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
