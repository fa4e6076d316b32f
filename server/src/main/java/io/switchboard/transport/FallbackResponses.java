package io.switchboard.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The HTTP side of a fallback session's receive requests: the head and chunks of a streaming
 * response, the whole answer to a poll, and how much of a stream a browser holds. What goes inside
 * is {@link FallbackFrames}.
 */
final class FallbackResponses {
    private FallbackResponses() {}

    /** Writes (without flushing) the head of a chunked streaming response. */
    static void streamHead(ChannelHandlerContext ctx) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/javascript; charset=UTF-8");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store, no-cache, must-revalidate, max-age=0");
        HttpResponses.cors(head.headers());
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.write(head, ctx.voidPromise());
    }

    /** Writes (without flushing) one chunk of a streaming response. */
    static void chunk(ChannelHandlerContext ctx, byte[] bytes) {
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), ctx.voidPromise());
    }

    /** The whole answer to a poll; {@code keepAlive} false asks the client to close. */
    static FullHttpResponse pollAnswer(byte[] body, boolean keepAlive) {
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/javascript; charset=UTF-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store, no-cache, must-revalidate, max-age=0");
        HttpResponses.cors(response.headers());
        HttpUtil.setContentLength(response, body.length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** How many UTF-16 units the UTF-8 {@code bytes} decode to, as a browser's responseText holds them. */
    static long utf16Length(byte[] bytes) {
        long units = 0;
        for (byte b : bytes) {
            if ((b & 0xC0) != 0x80) {
                units += (b & 0xF8) == 0xF0 ? 2 : 1; // a 4-byte sequence is a surrogate pair
            }
        }
        return units;
    }
}
