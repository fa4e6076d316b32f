package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
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
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket as a {@link Transport}: reads the client's frames ({@link WebSocketReader}) into
 * {@link PusherConnection} calls, writes frames itself, checks liveness with control pings, and
 * closes slow consumers. Its bytes go through a {@link Wire}: the socket itself on epoll without
 * TLS, else the Netty channel. Lives on the connection's event loop.
 *
 * <p>Every write to the client (fanned-out events, answers to its own frames, pings and pongs) is
 * bounded: above the write-buffer high-water mark the client's frames are no longer read, so it
 * cannot make the server answer more until it reads; it is closed with 4100 when it stays there
 * for {@code slow_consumer_timeout}, or at once when a write would queue more than {@link
 * Limits#maxPendingBytes}.
 */
final class WebSocketTransport implements Transport, WebSocketReader.Receiver {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");
    private static final int CLOSE_GRACE_MILLIS = 2000;
    /** Header bytes of a server's control frame. */
    private static final int CONTROL_FRAME_BYTES = 2;

    private Wire wire;
    private final boolean secure;
    private final Limits limits;
    /** Compresses what this client is sent when it negotiated permessage-deflate; else null. */
    private final WebSocketFraming deflating;

    private final WebSocketReader reader;
    private PusherConnection connection;

    /** Inside a read batch: {@link #send} defers its flush to {@link #readComplete}. */
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
    /**
     * Frames are not read until the connection is admitted ({@link WebSocketUpgrade}); what comes
     * meanwhile waits in {@link #reader}.
     */
    private boolean admitting = true;

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
            ByteBufAllocator alloc, boolean secure, Limits limits, LivenessSweep liveness, WebSocketFraming deflating) {
        this.secure = secure;
        this.limits = limits;
        this.liveness = liveness;
        this.deflating = deflating;
        this.reader = new WebSocketReader(alloc, limits.maxMessageBytes(), deflating != null);
    }

    /**
     * Sets where the bytes go: once, before anything is written, and once more if the upgrade hands
     * the socket over from its channel to an {@link EpollWire}.
     */
    void wire(Wire wire) {
        this.wire = wire;
    }

    /** Starts liveness checks; called once the upgrade has set the wire. */
    void start() {
        if (wire.isOpen()) {
            liveness.add(this);
        }
    }

    /** Queues the upgrade's {@code 101} answer, to leave with the first frame. */
    void handshake(ByteBuf response) {
        wire.write(response);
    }

    /** Reads nothing from the socket until {@link #admitted}: admission waits for the broker. */
    void holdReads() {
        wire.readsPaused(true);
    }

    boolean isOpen() {
        return wire.isOpen();
    }

    /** Where this connection's bytes go now. */
    Wire wire() {
        return wire;
    }

    void attach(PusherConnection connection) {
        this.connection = connection;
    }

    @Override
    public EventLoop eventLoop() {
        return wire.eventLoop();
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
        ByteBuf frame = deflating == null ? null : deflating.deflatedFrame(json);
        if (frame == null) {
            frame = WebSocketFraming.text(wire.alloc(), json);
        }
        writeControl(frame);
    }

    /** Writes a frame of this connection's own; answers to what the client sent leave together. */
    private void writeControl(ByteBuf frame) {
        wire.write(frame);
        progress.wrote(wire.queuedBytes());
        if (reading) {
            flushAfterRead = true;
        } else {
            wire.flush();
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
        wire.write(bytes.retainedDuplicate());
        progress.wrote(wire.queuedBytes());
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
        wire.flush();
    }

    /** Silent for {@code activity_timeout}: ask for a sign of life. Called by the sweep. */
    void ping() {
        if (!closing && room(CONTROL_FRAME_BYTES)) {
            awaitingPong = true;
            writeControl(WebSocketFraming.ping(wire.alloc()));
        }
    }

    /**
     * Whether the client has taken nothing of what waits for it for {@code timeoutTicks} sweeps (see
     * {@link ReaderProgress}). Called by the sweep.
     */
    boolean stalled(int tick, int timeoutTicks, long sinceLastSweepMillis, TcpInfo scratch) {
        return !closing && wire.isOpen() && progress.stalled(wire, tick, timeoutTicks, sinceLastSweepMillis, scratch);
    }

    /** Called by the sweep when {@link #stalled} says so. */
    void closeStalled(int timeoutSeconds) {
        log.info("closing stalled reader {}: nothing taken for {} s", connection, timeoutSeconds);
        rejected(Limit.STALLED_READER_TIMEOUT);
        close(ErrorCodes.OVER_CAPACITY, "Slow consumer: nothing read for " + timeoutSeconds + " s");
    }

    /** Bytes queued in the server for the client (not counting the kernel's socket buffer). */
    long queuedBytes() {
        return wire.queuedBytes();
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
        if (!wire.isOpen()) {
            return false;
        }
        long pending = wire.queuedBytes();
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

    /** The wire's writability changed. */
    void writabilityChanged() {
        if (wire.isWritable()) {
            if (slowCheck != null) {
                slowCheck.cancel(false);
                slowCheck = null;
            }
            resumeReading();
        } else if (!closing) {
            pauseReading();
            if (slowCheck == null) {
                slowCheck = wire.eventLoop()
                        .schedule(this::closeIfStillSlow, limits.slowConsumerTimeoutSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    private void closeIfStillSlow() {
        slowCheck = null;
        if (!wire.isWritable()) {
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
            wire.readsPaused(true);
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
            wire.eventLoop().execute(this::readHeld);
        }
    }

    /**
     * Reads the frames that arrived while paused or before admission, then reads from the socket
     * again unless they paused it once more.
     */
    private void readHeld() {
        if (readsPaused || admitting) {
            return; // the client is still not reading, or admission will call again
        }
        reading = true;
        readFrames();
        reading = false;
        if (flushAfterRead) {
            flushAfterRead = false;
            wire.flush();
        }
        if (!readsPaused && wire.isOpen()) {
            wire.readsPaused(false);
        }
    }

    /** Reads every whole frame received so far, unless the client is not taking what it is sent. */
    private void readFrames() {
        while (!readsPaused && reader.next(this)) {
            lastReadTick = liveness.tick;
            awaitingPong = false; // any frame is a sign of life
        }
    }

    /**
     * Admission is decided: read what the client sent meanwhile (frames that came with the upgrade
     * request) and start reading from the socket, unless it is not reading what it is sent.
     */
    void admitted() {
        admitting = false;
        readHeld();
    }

    @Override
    public void close(int code, String reason) {
        if (closing || !wire.isOpen()) {
            return;
        }
        closing = true;
        closeCode = code;
        closeReason = reason;
        // Past the cap by two short frames at most: the client learns why, if it ever reads.
        writeText(ServerFrames.error(code, reason));
        wire.write(WebSocketFraming.close(wire.alloc(), code, reason));
        wire.flush();
        closeAfterGrace();
    }

    /** The client answers a close frame with its own; don't wait for it forever. */
    private void closeAfterGrace() {
        wire.eventLoop().schedule(() -> wire.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Bytes from the client, in order; the transport owns them from here. */
    void bytesRead(ByteBuf bytes) {
        reader.add(bytes);
        if (admitting || readsPaused) {
            // Read once admitted, or once the client has taken what it was sent. One read's worth
            // at most, as reading from the socket is off meanwhile.
            return;
        }
        reading = true;
        readFrames();
    }

    @Override
    public void ping(ByteBuf payload) {
        if (!closing && room(CONTROL_FRAME_BYTES + payload.readableBytes())) {
            writeControl(WebSocketFraming.pong(wire.alloc(), payload));
        }
    }

    @Override
    public void pong() {}

    @Override
    public void closeReceived(int status, String reason) {
        if (closing) {
            wire.close();
            return;
        }
        closing = true;
        closeCode = status < 0 ? 1000 : status;
        closeReason = ClientText.quote(reason);
        wire.writeAndClose(WebSocketFraming.close(wire.alloc(), closeCode, ""));
    }

    @Override
    public void failed(int status, String reason) {
        log.debug("{}: bad frame: {}", connection, reason);
        if (status == WebSocketReader.MESSAGE_TOO_BIG) {
            rejected(Limit.MAX_FRAME_BYTES);
        }
        if (closing) {
            wire.close();
            return;
        }
        // The stream cannot be read past a bad frame, so the client's answer is not waited for.
        closing = true;
        wire.writeAndClose(WebSocketFraming.close(wire.alloc(), status, reason));
    }

    /** A whole message from the client: inflated if it was compressed, checked as UTF-8 if text. */
    @Override
    public void message(boolean text, boolean compressed, ByteBuf content) {
        if (closing) {
            return;
        }
        ByteBuf inflated = null;
        if (compressed) {
            try {
                inflated = limits.inflater().inflate(wire.alloc(), content);
            } catch (DataFormatException e) {
                refuse(WebSocketReader.INVALID_PAYLOAD, "Invalid compressed data");
                return;
            }
            if (inflated == null) {
                log.debug("{}: message over {} bytes once inflated", connection, limits.maxMessageBytes());
                rejected(Limit.MAX_FRAME_BYTES);
                refuse(WebSocketReader.MESSAGE_TOO_BIG, "Message larger than " + limits.maxMessageBytes() + " bytes");
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
                refuse(WebSocketReader.INVALID_PAYLOAD, "Text message is not valid UTF-8");
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
     * Closes for a whole message the protocol does not allow (RFC 6455 §7.4.1: 1007, 1009): the
     * close frame now, the connection when the client answers it or after a grace period.
     */
    private void refuse(int status, String reason) {
        if (closing) {
            return;
        }
        log.debug("{}: refused a message: {}", connection, reason);
        closing = true;
        wire.write(WebSocketFraming.close(wire.alloc(), status, reason));
        wire.flush();
        closeAfterGrace();
    }

    /** The end of one read from the socket: answers to what it held leave together. */
    void readComplete() {
        reading = false;
        if (flushAfterRead) {
            flushAfterRead = false;
            wire.flush();
        }
    }

    /** The socket has closed, whichever side closed it. */
    void wireClosed() {
        reading = false;
        closing = true;
        reader.release();
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
    }

    /** Reading or writing failed; the socket closes. */
    void wireFailed(Throwable cause) {
        log.debug("{}: {}", connection, cause.toString());
        wire.close();
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
        return connection != null ? connection.toString() : "websocket " + wire;
    }
}
