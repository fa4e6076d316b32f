package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.channel.SharedFrame;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.Transport;
import io.switchboard.metrics.Limit;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.protocol.ClientText;
import io.switchboard.protocol.ErrorCodes;
import io.switchboard.protocol.ServerFrames;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket as a {@link Transport}: turns frames into {@link PusherConnection} calls, checks
 * liveness with control pings, and closes slow consumers. Lives on the channel's event loop.
 *
 * <p>Every write to the client (fanned-out events, answers to its own frames, pings and pongs) is
 * bounded: above the write-buffer high-water mark the client's frames are no longer read, so it
 * cannot make the server answer more until it reads; it is closed with 4100 when it stays there
 * for {@code slow_consumer_timeout}, or at once when a write would queue more than {@link
 * Limits#maxPendingBytes}.
 */
final class WebSocketTransport extends ChannelInboundHandlerAdapter implements Transport {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");
    private static final int CLOSE_GRACE_MILLIS = 2000;
    /** The permessage-deflate bit of a frame's header (RFC 7692 §6). */
    private static final int RSV1 = 0x4;
    /** Header bytes of a server's control frame. */
    private static final int CONTROL_FRAME_BYTES = 2;

    private final Channel channel;
    private final boolean secure;
    private final Limits limits;
    /** Compresses what this client is sent when it negotiated permessage-deflate; else null. */
    private final WebSocketFraming deflating;

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
    /** Reading stopped because the client is not taking what it is sent. */
    boolean readsPaused;
    /** Reading is off until the connection is admitted ({@link WebSocketUpgrade}). */
    private boolean admitting = true;
    /** Frames that arrived after reading paused, in order; null when none. */
    private ArrayDeque<Object> held;
    /** The fragments so far of a message sent in several frames; null between messages. */
    private ByteBuf partial;

    private boolean partialText;
    private int partialRsv;

    /** Whether the client takes what it is sent, for the sweep's stalled-reader check. */
    private final ReaderProgress progress = new ReaderProgress();

    private int readPauses;
    private long peakQueued;
    private int closeCode;
    private String closeReason;

    /**
     * Settings that apply to every WebSocket, and where closes they cause are counted.
     *
     * @param maxMessageBytes the largest message a client may send (whole, after reassembly and
     *     inflation): {@code max_frame_bytes}
     * @param inflater inflates the messages of clients that negotiated permessage-deflate
     */
    record Limits(
            int slowConsumerTimeoutSeconds,
            long maxPendingBytes,
            int maxMessageBytes,
            MessageInflater inflater,
            LimitRejections rejections) {}

    WebSocketTransport(
            Channel channel, boolean secure, Limits limits, LivenessSweep liveness, WebSocketFraming deflating) {
        this.channel = channel;
        this.secure = secure;
        this.limits = limits;
        this.liveness = liveness;
        this.deflating = deflating;
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
        if (closing || !room(json.length)) {
            return;
        }
        writeText(json);
    }

    /** Writes a text frame whatever is queued: for the last frames before a close. */
    private void writeText(byte[] json) {
        // Compressed and framed already (the encoder lets a buffer through), or a frame to encode.
        Object frame = deflating == null ? null : deflating.deflatedFrame(json);
        if (frame == null) {
            frame = new TextWebSocketFrame(channel.alloc().buffer(json.length).writeBytes(json));
        }
        if (reading) {
            // Answers to what the client sent leave together when the read batch ends.
            channel.write(frame, channel.voidPromise());
            flushAfterRead = true;
        } else {
            channel.writeAndFlush(frame, channel.voidPromise());
        }
        wrote();
    }

    private void wrote() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out != null) {
            progress.wrote(out);
        }
    }

    @Override
    public void write(SharedFrame frame) {
        if (closing) {
            return;
        }
        ByteBuf bytes = deflating == null ? frame.webSocketFrame() : frame.deflatedWebSocketFrame();
        if (!room(bytes.readableBytes())) {
            return;
        }
        ChannelHandlerContext out = frameOut;
        if (out != null) {
            out.write(bytes.retainedDuplicate(), out.voidPromise());
        } else {
            channel.write(bytes.retainedDuplicate(), channel.voidPromise());
        }
        wrote();
    }

    /** Whether the client negotiated permessage-deflate. */
    boolean compressing() {
        return deflating != null;
    }

    /** The most bytes ever queued to the client, counting the frame being queued. */
    long peakQueuedBytes() {
        return peakQueued;
    }

    /** How many times reading stopped because the client was not taking what it was sent. */
    int readPauses() {
        return readPauses;
    }

    /** The Pusher code the server closed the connection with, or 0. */
    int closeCode() {
        return closeCode;
    }

    /** The reason the server closed the connection with, or {@code null}. */
    String closeReason() {
        return closeReason;
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
        if (!closing && room(CONTROL_FRAME_BYTES)) {
            awaitingPong = true;
            channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
            wrote();
        }
    }

    /**
     * Whether the client has taken nothing of what waits for it for {@code timeoutTicks} sweeps (see
     * {@link ReaderProgress}). Called by the sweep.
     */
    boolean stalled(int tick, int timeoutTicks, long sinceLastSweepMillis, EpollTcpInfo scratch) {
        return !closing && progress.stalled(channel, tick, timeoutTicks, sinceLastSweepMillis, scratch);
    }

    /** Called by the sweep when {@link #stalled} says so. */
    void closeStalled(int timeoutSeconds) {
        log.info("closing stalled reader {}: nothing taken for {} s", connection, timeoutSeconds);
        rejected(Limit.STALLED_READER_TIMEOUT);
        close(ErrorCodes.OVER_CAPACITY, "Slow consumer: nothing read for " + timeoutSeconds + " s");
    }

    /** Bytes queued in the server for the client (not counting the kernel's socket buffer). */
    long queuedBytes() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** No sign of life within {@code pong_timeout} of the ping. Called by the sweep. */
    void pongMissed() {
        awaitingPong = false;
        close(ErrorCodes.PONG_NOT_RECEIVED, "Pong reply not received");
    }

    /**
     * Whether {@code frameBytes} more may be queued. When they would take the queue past the cap
     * the connection is closed with 4100 and the frame must be dropped.
     */
    private boolean room(int frameBytes) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out == null) {
            return false; // closed
        }
        long pending = out.totalPendingWriteBytes();
        progress.observe(pending);
        long queued = pending + frameBytes;
        if (queued > limits.maxPendingBytes()) {
            log.info("closing slow consumer {}: {} bytes queued", connection, queued - frameBytes);
            rejected(Limit.WRITE_BUFFER_HIGH_WATER_MARK);
            close(ErrorCodes.OVER_CAPACITY, "Slow consumer: too much data queued");
            return false;
        }
        if (queued > peakQueued) {
            peakQueued = queued;
        }
        return true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            if (slowCheck != null) {
                slowCheck.cancel(false);
                slowCheck = null;
            }
            resumeReading();
        } else if (!closing) {
            pauseReading();
            if (slowCheck == null) {
                slowCheck = channel.eventLoop()
                        .schedule(this::closeIfStillSlow, limits.slowConsumerTimeoutSeconds(), TimeUnit.SECONDS);
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void closeIfStillSlow() {
        slowCheck = null;
        if (!channel.isWritable()) {
            log.info("closing slow consumer {}: not reading", connection);
            rejected(Limit.SLOW_CONSUMER_TIMEOUT);
            close(ErrorCodes.OVER_CAPACITY, "Slow consumer: not reading");
        }
    }

    /**
     * Above the high-water mark: read nothing more from the client, so nothing it sends can make
     * the queue grow, until it has taken what it was sent. The liveness sweep leaves it alone
     * meanwhile (its silence is ours); the slow-consumer timer does not.
     */
    private void pauseReading() {
        if (!readsPaused) {
            readsPaused = true;
            readPauses++;
            channel.config().setAutoRead(false);
        }
    }

    private void resumeReading() {
        if (readsPaused) {
            readsPaused = false;
            // The client could not be heard while paused: its silence starts now.
            lastReadTick = liveness.tick;
            if (awaitingPong) {
                pingTick = liveness.tick;
            }
            // Not from inside the flush that made the channel writable again.
            channel.eventLoop().execute(this::handleHeld);
        }
    }

    /** Handles the frames held while paused, then reads again unless they paused it once more. */
    private void handleHeld() {
        if (held != null && !readsPaused && !closing) {
            reading = true;
            Object msg;
            while (!readsPaused && !closing && (msg = held.poll()) != null) {
                handle(msg);
            }
            reading = false;
            if (flushAfterRead) {
                flushAfterRead = false;
                channel.flush();
            }
        }
        if (!readsPaused && !admitting && !closing && (held == null || held.isEmpty())) {
            held = null;
            channel.config().setAutoRead(true);
        }
    }

    private void releaseHeld() {
        if (held != null) {
            Object msg;
            while ((msg = held.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
            held = null;
        }
    }

    /**
     * Admission is decided: handle what the client sent meanwhile (frames that came with the upgrade
     * request) and start reading, unless it is not reading what it is sent.
     */
    void admitted() {
        admitting = false;
        if (held != null) {
            handleHeld();
        } else if (!readsPaused) {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void close(int code, String reason) {
        if (closing || !channel.isActive()) {
            return;
        }
        closing = true;
        closeCode = code;
        closeReason = reason;
        releaseHeld();
        releasePartial();
        // Past the cap by two short frames at most: the client learns why, if it ever reads.
        writeText(ServerFrames.error(code, reason));
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
        lastReadTick = liveness.tick;
        awaitingPong = false; // any frame is a sign of life
        if ((readsPaused || admitting) && !closing) {
            // Decoded from the read that took us past the high-water mark, or before the connection
            // was admitted: answered once the client has taken what it was sent, or once admitted.
            // One read's worth at most, as reading is off.
            if (held == null) {
                held = new ArrayDeque<>();
            }
            held.add(msg);
            return;
        }
        reading = true;
        handle(msg);
    }

    /** Handles one frame from the client, and releases it. */
    private void handle(Object msg) {
        try {
            if (msg instanceof WebSocketFrame f && f.rsv() != 0 && isControl(f)) {
                // Only a client that negotiated compression gets this far with RSV bits set.
                refuse(WebSocketCloseStatus.PROTOCOL_ERROR, "RSV bits set on a control frame");
                return;
            }
            switch (msg) {
                case TextWebSocketFrame text -> data(text, true);
                case BinaryWebSocketFrame binary -> data(binary, false);
                case ContinuationWebSocketFrame more -> continuation(more);
                case PingWebSocketFrame ping -> {
                    if (!closing && room(CONTROL_FRAME_BYTES + ping.content().readableBytes())) {
                        channel.writeAndFlush(
                                new PongWebSocketFrame(ping.content().retain()));
                        wrote();
                    }
                }
                case PongWebSocketFrame pong -> {}
                case CloseWebSocketFrame close -> {
                    if (closing) {
                        channel.close();
                    } else {
                        closing = true;
                        int status = close.statusCode() < 0 ? 1000 : close.statusCode();
                        closeCode = status;
                        closeReason = ClientText.quote(close.reasonText());
                        channel.writeAndFlush(new CloseWebSocketFrame(status, ""))
                                .addListener(ChannelFutureListener.CLOSE);
                    }
                }
                default ->
                    log.debug("{}: ignoring {}", connection, msg.getClass().getSimpleName());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static boolean isControl(WebSocketFrame frame) {
        return frame instanceof PingWebSocketFrame
                || frame instanceof PongWebSocketFrame
                || frame instanceof CloseWebSocketFrame;
    }

    /** The first frame of a message, or all of it. */
    private void data(WebSocketFrame frame, boolean text) {
        if (partial != null) {
            return; // the decoder refuses a new message inside a fragmented one; never here
        }
        if (frame.isFinalFragment()) {
            message(text, frame.rsv(), frame.content());
            return;
        }
        if (!fits(0, frame.content().readableBytes())) {
            return;
        }
        partialText = text;
        partialRsv = frame.rsv();
        ByteBuf first = frame.content();
        partial = channel.alloc()
                .heapBuffer(Math.max(256, 2 * first.readableBytes()))
                .writeBytes(first);
    }

    private void continuation(ContinuationWebSocketFrame frame) {
        if (partial == null) {
            return; // the decoder refuses a continuation outside a fragmented message; never here
        }
        if (frame.rsv() != 0) {
            refuse(WebSocketCloseStatus.PROTOCOL_ERROR, "RSV bits set on a continuation frame");
            return;
        }
        if (!fits(partial.readableBytes(), frame.content().readableBytes())) {
            return;
        }
        partial.writeBytes(frame.content());
        if (frame.isFinalFragment()) {
            ByteBuf whole = partial;
            partial = null;
            try {
                message(partialText, partialRsv, whole);
            } finally {
                whole.release();
            }
        }
    }

    /** Whether a message of {@code have + more} bytes is allowed; closes with 1009 when not. */
    private boolean fits(int have, int more) {
        if ((long) have + more <= limits.maxMessageBytes()) {
            return true;
        }
        tooBig();
        return false;
    }

    private void tooBig() {
        log.debug("{}: message over {} bytes", connection, limits.maxMessageBytes());
        rejected(Limit.MAX_FRAME_BYTES);
        refuse(WebSocketCloseStatus.MESSAGE_TOO_BIG, "Message larger than " + limits.maxMessageBytes() + " bytes");
    }

    /** A whole message from the client: inflated if it was compressed, checked as UTF-8 if text. */
    private void message(boolean text, int rsv, ByteBuf content) {
        if (closing) {
            return;
        }
        ByteBuf inflated = null;
        if (rsv != 0) {
            if (deflating == null || rsv != RSV1) {
                refuse(WebSocketCloseStatus.PROTOCOL_ERROR, "RSV bits set that were not negotiated");
                return;
            }
            try {
                inflated = limits.inflater().inflate(channel.alloc(), content);
            } catch (DataFormatException e) {
                refuse(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "Invalid compressed data");
                return;
            }
            if (inflated == null) {
                tooBig();
                return;
            }
            content = inflated;
        }
        try {
            if (!text) {
                log.debug("{}: ignoring a binary message ({} bytes)", connection, content.readableBytes());
                return;
            }
            String json = content.toString(StandardCharsets.UTF_8);
            // Invalid UTF-8 decodes with replacement characters; only then is a strict check needed.
            if (json.indexOf('\uFFFD') >= 0 && !validUtf8(content)) {
                refuse(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "Text message is not valid UTF-8");
                return;
            }
            if (connection != null) {
                connection.onMessage(json);
            }
        } finally {
            if (inflated != null) {
                inflated.release();
            }
        }
    }

    private static boolean validUtf8(ByteBuf content) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(content.nioBuffer());
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Closes for a message the protocol does not allow (RFC 6455 §7.4.1: 1002, 1007, 1009), as the
     * frame decoder does for a bad frame: the close frame now, the connection when the client
     * answers it or after a grace period.
     */
    private void refuse(WebSocketCloseStatus status, String reason) {
        if (closing) {
            return;
        }
        log.debug("{}: refused a message: {}", connection, reason);
        closing = true;
        releasePartial();
        channel.writeAndFlush(new CloseWebSocketFrame(status, reason));
        channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
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
        releaseHeld();
        releasePartial();
        liveness.remove(this);
        if (slowCheck != null) {
            slowCheck.cancel(false);
        }
        if (connection != null) {
            if (closeCode == 0) {
                connection.onClosed(1006, "Connection dropped without a close frame");
            } else {
                connection.onClosed(closeCode, closeReason);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            // The decoder has already sent the matching close frame (1002, 1007 or 1009).
            log.debug("{}: bad frame: {}", connection, cause.getMessage());
            if (corrupted.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG) {
                rejected(Limit.MAX_FRAME_BYTES);
            }
            closing = true;
            channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        log.debug("{}: {}", connection, cause.toString());
        channel.close();
    }

    /** Counts a close this connection's limits caused; {@code close} decides whether it happens. */
    private void rejected(Limit limit) {
        if (!closing) {
            limits.rejections()
                    .count(connection == null ? null : connection.app().id(), limit);
        }
    }

    @Override
    public String toString() {
        return connection != null ? connection.toString() : "websocket " + channel.id();
    }
}
