package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * Netty's response encoder, told by the {@link HttpRequestReader} which requests were {@code
 * HEAD}: their answers go out without a body (RFC 9110 §9.3.2). An {@link EncodedResponse} is
 * written as it is. Answers are written in the order the requests were read, one final answer
 * each, which {@link HttpConnectionGuard} ensures.
 */
final class ServerResponseEncoder extends HttpResponseEncoder {
    /** Whether each request read and not answered yet was a {@code HEAD}, oldest first. */
    private final ArrayDeque<Boolean> heads = new ArrayDeque<>(2);

    /** An answer's head has been written and its body is still being written. */
    private boolean streaming;

    void requestRead(HttpMethod method) {
        heads.add(HttpMethod.HEAD.equals(method));
    }

    /**
     * Whether an interim answer ({@code 100 Continue}) may be written now: every request read
     * before has had its whole answer, so it cannot land inside or ahead of another answer.
     */
    boolean idle() {
        return heads.isEmpty() && !streaming;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response
                && !(msg instanceof LastHttpContent)
                && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            streaming = true;
        } else if (msg instanceof LastHttpContent) {
            streaming = false;
        }
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
