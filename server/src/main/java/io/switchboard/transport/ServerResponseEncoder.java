package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;

/**
 * Netty's response encoder, told by the {@link HttpRequestReader} which requests were {@code
 * HEAD}: their answers go out without a body (RFC 9110 §9.3.2). An {@link EncodedResponse} is
 * written as it is. Answers are written in the order
 * the requests were read, one final answer each, which {@link HttpConnectionGuard} ensures.
 */
final class ServerResponseEncoder extends HttpResponseEncoder {
    /** Whether each request read and not answered yet was a {@code HEAD}, oldest first. */
    private final ArrayDeque<Boolean> heads = new ArrayDeque<>(2);

    void requestRead(HttpMethod method) {
        heads.add(HttpMethod.HEAD.equals(method));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof EncodedResponse response) {
            ByteBuf bytes = response.content();
            if (heads.poll() == Boolean.TRUE) {
                bytes.writerIndex(bytes.readerIndex() + response.headLength);
            }
            ctx.write(bytes, promise);
            return;
        }
        super.write(ctx, msg, promise);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse response) {
        if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL
                && response.status().code() != 101) {
            return super.isContentAlwaysEmpty(response); // an interim answer: the final one follows
        }
        Boolean head = heads.poll();
        return head == Boolean.TRUE || super.isContentAlwaysEmpty(response);
    }
}
