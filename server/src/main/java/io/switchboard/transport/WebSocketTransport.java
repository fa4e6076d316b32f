package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.Transport;
import io.switchboard.protocol.ErrorCodes;
import io.switchboard.protocol.ServerFrames;
import io.switchboard.protocol.SharedFrame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket as a {@link Transport}: turns frames into {@link PusherConnection} calls, checks
 * liveness with control pings, and closes slow consumers. Lives on the channel's event loop.
 */
final class WebSocketTransport extends ChannelInboundHandlerAdapter implements Transport {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");
    private static final int CLOSE_GRACE_MILLIS = 2000;

    private final Channel channel;
    private final boolean secure;
    private final Limits limits;
    private PusherConnection connection;
    /**
     * Where pre-framed bytes enter the pipeline: just past the WebSocket encoder, so only TLS (if
     * any) sees them. Fan-out writes and flushes from here instead of the pipeline's tail, which
     * would walk every handler's (cache-cold) context once per subscriber and message.
     */
    private ChannelHandlerContext frameOut;

    /** Inside a read batch: {@link #send} defers its flush to {@link #channelReadComplete}. */
    private boolean reading;

    private boolean flushAfterRead;
    private final LivenessSweep liveness;
    /** Position in {@link #liveness}, -1 when not in it. Sweep state, touched on the loop only. */
    int sweepIndex = -1;

    int lastReadTick;
    int pingTick;
    boolean awaitingPong;
    private ScheduledFuture<?> slowCheck;
    private boolean closing;

    /** Settings that apply to every WebSocket. */
    record Limits(int slowConsumerTimeoutSeconds, long maxPendingBytes) {}

    WebSocketTransport(Channel channel, boolean secure, Limits limits, LivenessSweep liveness) {
        this.channel = channel;
        this.secure = secure;
        this.limits = limits;
        this.liveness = liveness;
    }

    void attach(PusherConnection connection) {
        this.connection = connection;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public String kind() {
        return "websocket";
    }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public void send(byte[] json) {
        if (closing) {
            return;
        }
        ByteBuf payload = channel.alloc().buffer(json.length).writeBytes(json);
        if (reading) {
            // Answers to what the client sent leave together when the read batch ends.
            channel.write(new TextWebSocketFrame(payload), channel.voidPromise());
            flushAfterRead = true;
        } else {
            channel.writeAndFlush(new TextWebSocketFrame(payload), channel.voidPromise());
        }
    }

    @Override
    public void write(SharedFrame frame) {
        if (closing) {
            return;
        }
        if (!channel.isWritable() && slow(frame.webSocketFrame().readableBytes())) {
            return;
        }
        ChannelHandlerContext out = frameOut;
        if (out != null) {
            out.write(frame.webSocketFrame().retainedDuplicate(), out.voidPromise());
        } else {
            channel.write(frame.webSocketFrame().retainedDuplicate(), channel.voidPromise());
        }
    }

    @Override
    public void flush() {
        ChannelHandlerContext out = frameOut;
        if (out != null) {
            out.flush();
        } else {
            channel.flush();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        frameOut = ctx.pipeline().context(WebSocketFrameEncoder.class);
        if (channel.isActive()) {
            liveness.add(this);
        }
    }

    /** Silent for {@code activity_timeout}: ask for a sign of life. Called by the sweep. */
    void ping() {
        if (!closing) {
            awaitingPong = true;
            channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
        }
    }

    /** No sign of life within {@code pong_timeout} of the ping. Called by the sweep. */
    void pongMissed() {
        awaitingPong = false;
        close(ErrorCodes.PONG_NOT_RECEIVED, "Pong reply not received");
    }

    /**
     * The client is not reading fast enough. Returns true when the frame must be dropped because the
     * connection is being closed.
     */
    private boolean slow(int frameBytes) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        long pending = out == null ? 0 : out.totalPendingWriteBytes();
        if (pending + frameBytes > limits.maxPendingBytes()) {
            log.info("closing slow consumer {}: {} bytes queued", connection, pending);
            close(ErrorCodes.OVER_CAPACITY, "Slow consumer: too much data queued");
            return true;
        }
        if (slowCheck == null) {
            slowCheck = channel.eventLoop()
                    .schedule(
                            () -> {
                                slowCheck = null;
                                if (!channel.isWritable()) {
                                    log.info("closing slow consumer {}: not reading", connection);
                                    close(ErrorCodes.OVER_CAPACITY, "Slow consumer: not reading");
                                }
                            },
                            limits.slowConsumerTimeoutSeconds(),
                            TimeUnit.SECONDS);
        }
        return false;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable() && slowCheck != null) {
            slowCheck.cancel(false);
            slowCheck = null;
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void close(int code, String reason) {
        if (closing || !channel.isActive()) {
            return;
        }
        send(ServerFrames.error(code, reason));
        closing = true;
        channel.writeAndFlush(new CloseWebSocketFrame(code, truncate(reason))).addListener(f -> {
            if (!f.isSuccess()) {
                channel.close();
            }
        });
        // The client answers with its own close frame; don't wait for it forever.
        channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A close reason fits in 123 bytes of UTF-8. */
    private static String truncate(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return reason;
        }
        String cut = new String(bytes, 0, 123, StandardCharsets.UTF_8);
        // A multi-byte character split at the end decodes as U+FFFD; drop it.
        return cut.endsWith("\uFFFD") ? cut.substring(0, cut.length() - 1) : cut;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        lastReadTick = liveness.tick;
        awaitingPong = false; // any frame is a sign of life
        try {
            switch (msg) {
                case TextWebSocketFrame text -> {
                    if (connection != null && !closing) {
                        connection.onMessage(text.text());
                    }
                }
                case PingWebSocketFrame ping ->
                    channel.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                case PongWebSocketFrame pong -> {}
                case CloseWebSocketFrame close -> {
                    if (closing) {
                        channel.close();
                    } else {
                        closing = true;
                        int status = close.statusCode() < 0 ? 1000 : close.statusCode();
                        channel.writeAndFlush(new CloseWebSocketFrame(status, ""))
                                .addListener(ChannelFutureListener.CLOSE);
                    }
                }
                case BinaryWebSocketFrame binary ->
                    log.debug(
                            "{}: ignoring a binary frame ({} bytes)",
                            connection,
                            binary.content().readableBytes());
                default ->
                    log.debug("{}: ignoring {}", connection, msg.getClass().getSimpleName());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (flushAfterRead) {
            flushAfterRead = false;
            channel.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reading = false;
        closing = true;
        liveness.remove(this);
        if (slowCheck != null) {
            slowCheck.cancel(false);
        }
        if (connection != null) {
            connection.onClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException) {
            // The decoder has already sent the matching close frame (1002, 1007 or 1009).
            log.debug("{}: bad frame: {}", connection, cause.getMessage());
            closing = true;
            channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        if (cause instanceof TooLongFrameException && !closing) {
            // A fragmented message outgrew max_frame_bytes while being reassembled (the decoder only
            // sees single frames): answer as the decoder does for one oversized frame.
            log.debug("{}: message too big: {}", connection, cause.getMessage());
            closing = true;
            channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG));
            channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        log.debug("{}: {}", connection, cause.toString());
        channel.close();
    }
}
