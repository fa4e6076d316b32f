package io.switchboard.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.api.ApiResponse;

/** Writing complete HTTP responses. */
final class HttpResponses {
    /**
     * Headers of the responses built here: names and values are the server's own constants and
     * numbers, never a client's text, so they are not checked character by character.
     */
    private static final HttpHeadersFactory OWN_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private HttpResponses() {}

    /** Sends a JSON response; closes the connection unless the request asked to keep it alive. */
    static void json(ChannelHandlerContext ctx, boolean keepAlive, int status, byte[] body) {
        send(ctx, keepAlive, status, "application/json", body);
    }

    static void jsonError(ChannelHandlerContext ctx, boolean keepAlive, int status, String message) {
        json(ctx, keepAlive, status, ApiResponse.error(status, message).body());
    }

    /** CORS headers for pusher-js's cross-origin XHRs, which carry no credentials. */
    static void cors(HttpHeaders headers) {
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS");
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
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
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body),
                OWN_HEADERS,
                DefaultHttpHeadersFactory.trailersFactory());
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        if (cors) {
            cors(response.headers());
        }
        HttpUtil.setContentLength(response, body.length);
        write(ctx, response, keepAlive);
    }

    /** Writes a complete response; closes the connection after it unless {@code keepAlive}. */
    static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
