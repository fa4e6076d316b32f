package io.switchboard.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.metrics.Limit;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection's discipline, between the codec and the aggregator: requests are answered
 * one at a time in the order they came, and each must arrive in time.
 *
 * <ul>
 *   <li><b>One request at a time.</b> A request pipelined behind one that is still being answered
 *       (a REST call, a held poll, an open stream) waits here, and the connection is not read
 *       further until the answer has been written: answers cannot overtake each other, a stream
 *       never has a second receive request behind it, and a client cannot make the server queue
 *       answers it does not read. Nor is the next request taken while the outbound buffer is above
 *       the high-water mark. More than {@link #MAX_PIPELINED} waiting requests close the
 *       connection.
 *   <li><b>Request deadline</b> ({@code request_timeout}): a request must have arrived whole within
 *       the timeout of the connection's start, or of its first byte on a kept-alive connection.
 *       If part of it came, the client is answered 408 and the connection closed; a connection
 *       that sent nothing is closed without an answer, as nginx and Go's net/http do.
 *   <li><b>Idle deadline</b> ({@code idle_timeout}): once an answer is written, the next request
 *       must start within the timeout, or the connection is closed. A client still reading the
 *       answer gets another period as long as the outbound buffer keeps shrinking.
 * </ul>
 *
 * <p>Neither deadline runs while a request is being answered, which covers a held poll and an
 * open stream (an HTTP fallback session watches those itself). A {@code 101} hands the connection
 * to the WebSocket handlers and this handler leaves the pipeline. Everything runs on the
 * connection's event loop; the deadlines are checked by the loop's {@link HttpDeadlineSweep}.
 */
final class HttpConnectionGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");

    /** Requests a connection may have waiting behind the one being answered. */
    static final int MAX_PIPELINED = 64;

    private final HttpLimits limits;
    private ChannelHandlerContext ctx;
    private HttpDeadlineSweep sweep;

    /** Position in the sweep, or -1; maintained by {@link HttpDeadlineSweep}. */
    int sweepIndex = -1;

    /** Sweep tick at which the current deadline has passed, or 0 for none. */
    int deadlineTick;

    private boolean idleDeadline;
    private long pendingAtIdleDeadline;

    /** From a request's head until it has arrived whole and its answer has been written. */
    private boolean exchange;

    private boolean requestComplete;
    private boolean answerWritten;
    private boolean closeAfterAnswer;

    /** Bytes arrived outside an exchange: the start of a request whose head is not complete yet. */
    private boolean bytesBeforeHead;

    private boolean decodedInThisRead;

    /** This handler turned auto-read off. */
    private boolean paused;

    private boolean done;

    /** What the codec decoded behind the current exchange, in order, and how many requests it holds. */
    private ArrayDeque<HttpObject> waiting;

    private int waitingRequests;
    private Runnable answerNext;

    HttpConnectionGuard(HttpLimits limits) {
        this.limits = limits;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        sweep = limits.sweeps.of(ctx.channel().eventLoop());
        sweep.add(this);
        requestDeadline();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        finish();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish();
        ctx.fireChannelInactive();
    }

    // --- requests ------------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject object)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (done) {
            ReferenceCountUtil.release(msg); // closing: nothing more is answered
            return;
        }
        decodedInThisRead = true;
        boolean head = msg instanceof HttpRequest;
        if (hasWaiting() || head && (exchange || !ctx.channel().isWritable())) {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            waiting.add(object);
            if (head && ++waitingRequests > MAX_PIPELINED) {
                log.debug("closing HTTP connection: more than {} pipelined requests waiting", MAX_PIPELINED);
                finish();
                ctx.close();
                return;
            }
            updateReading();
            return;
        }
        forward(object);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!done && !decodedInThisRead && !exchange) {
            // Bytes came that did not make a request head yet: a request has started.
            bytesBeforeHead = true;
            if (idleDeadline) {
                requestDeadline();
            }
        }
        decodedInThisRead = false;
        ctx.fireChannelReadComplete();
    }

    private void forward(HttpObject object) {
        if (object instanceof HttpRequest) {
            exchange = true;
            requestComplete = false;
            answerWritten = false;
            closeAfterAnswer = false;
            bytesBeforeHead = false;
            if (idleDeadline) {
                requestDeadline();
            }
        }
        boolean last = object instanceof LastHttpContent;
        if (last) {
            requestComplete = true;
            deadlineTick = 0;
        }
        ctx.fireChannelRead(object);
        if (last && answerWritten && exchange) {
            exchangeOver(); // answered before it had arrived whole, e.g. 413
        }
    }

    /** Passes on what waits, up to the head of the request after the next one. */
    private void answerNext() {
        while (!done && hasWaiting()) {
            HttpObject next = waiting.peek();
            if (next instanceof HttpRequest && (exchange || !ctx.channel().isWritable())) {
                break;
            }
            waiting.poll();
            if (next instanceof HttpRequest) {
                waitingRequests--;
            }
            forward(next);
        }
        if (!done) {
            updateReading();
        }
    }

    private boolean hasWaiting() {
        return waiting != null && !waiting.isEmpty();
    }

    // --- answers -------------------------------------------------------------------------------------

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (done) {
            ctx.write(msg, promise);
            return;
        }
        boolean whole = msg instanceof LastHttpContent;
        if (msg instanceof EncodedResponse encoded) {
            closeAfterAnswer |= encoded.close;
            whole = true;
        } else if (msg instanceof HttpResponse response) {
            int status = response.status().code();
            if (status == 101) {
                // Switching to WebSocket: the connection is no longer HTTP.
                ctx.write(msg, promise);
                ctx.pipeline().remove(this);
                return;
            }
            if (status < 200) {
                ctx.write(msg, promise); // 100 Continue: the answer is still to come
                return;
            }
            closeAfterAnswer |=
                    response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        }
        ctx.write(msg, promise);
        if (whole && exchange && !answerWritten) {
            answerWritten = true;
            if (requestComplete) {
                exchangeOver();
            }
        }
    }

    /** The request has arrived whole and its answer has been written. */
    private void exchangeOver() {
        exchange = false;
        if (closeAfterAnswer) {
            finish(); // the connection closes once the answer is out
            return;
        }
        idleDeadline();
        if (hasWaiting()) {
            if (answerNext == null) {
                answerNext = this::answerNext;
            }
            // Not from inside this write, which may be inside the handling of the previous request.
            ctx.executor().execute(answerNext);
            return;
        }
        updateReading();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!done) {
            answerNext();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Reads while nothing waits here and the outbound buffer has room. */
    private void updateReading() {
        boolean read = !hasWaiting() && ctx.channel().isWritable();
        if (read == !paused) {
            return;
        }
        paused = !read;
        ctx.channel().config().setAutoRead(read);
    }

    // --- deadlines -----------------------------------------------------------------------------------

    private void requestDeadline() {
        idleDeadline = false;
        deadlineTick = sweep.deadline(limits.requestTimeoutSeconds);
    }

    private void idleDeadline() {
        idleDeadline = true;
        pendingAtIdleDeadline = Long.MAX_VALUE;
        deadlineTick = sweep.deadline(limits.idleTimeoutSeconds);
    }

    /** Called by the sweep once {@link #deadlineTick} has passed. */
    void deadlinePassed() {
        deadlineTick = 0;
        if (done) {
            return;
        }
        if (idleDeadline) {
            long pending = ctx.channel().bytesBeforeWritable();
            if (pending > 0 && pending < pendingAtIdleDeadline) {
                // Still reading the last answer, and getting on with it: another period.
                pendingAtIdleDeadline = pending;
                deadlineTick = sweep.deadline(limits.idleTimeoutSeconds);
                return;
            }
            log.debug("closing HTTP connection idle for {} s (idle_timeout)", limits.idleTimeoutSeconds);
            limits.rejections.count(null, Limit.IDLE_TIMEOUT);
            finish();
            ctx.close();
            return;
        }
        boolean started = bytesBeforeHead || exchange && !answerWritten;
        log.debug(
                "closing HTTP connection: no complete request within {} s (request_timeout){}",
                limits.requestTimeoutSeconds,
                started ? ", answering 408" : "");
        limits.rejections.count(null, Limit.REQUEST_TIMEOUT);
        finish();
        if (started) {
            HttpResponses.jsonError(
                    ctx,
                    false,
                    408,
                    "The request did not arrive within " + limits.requestTimeoutSeconds + " s (request_timeout)");
        } else {
            ctx.close();
        }
    }

    /** Stops watching the connection: it is closing, or it is no longer HTTP. */
    private void finish() {
        if (done) {
            return;
        }
        done = true;
        deadlineTick = 0;
        sweep.remove(this);
        if (waiting != null) {
            HttpObject object;
            while ((object = waiting.poll()) != null) {
                ReferenceCountUtil.release(object);
            }
        }
    }
}
