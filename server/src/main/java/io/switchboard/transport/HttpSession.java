package io.switchboard.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.channel.SharedFrame;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.Transport;
import io.switchboard.metrics.Limit;
import io.switchboard.protocol.ServerFrames;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pusher-js HTTP fallback socket ({@code xhr_streaming} or {@code xhr_polling}) as a {@link
 * Transport}. Messages queue here and leave through whichever receive request is open: a streaming
 * response that stays open, or one held poll at a time (pusher-protocol.md §9.6).
 *
 * <p>Every method runs on {@link #eventLoop()}, the loop the session was created on; requests
 * arriving on other connections hop here first. When a session without its client ends is {@link
 * SessionDeadlines}'; the HTTP responses are written by {@link FallbackResponses}.
 */
final class HttpSession implements Transport {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");

    enum Mode {
        STREAMING("xhr_streaming"),
        POLLING("xhr_polling");

        final String kind;

        Mode(String kind) {
            this.kind = kind;
        }
    }

    /** Timing and size limits shared by every session. */
    record Settings(
            long heartbeatMillis, long detachedTimeoutMillis, long inactivityTimeoutMillis, long maxQueuedBytes) {}

    /**
     * pusher-js aborts a streaming response once it has buffered more than 256 KiB and all of it is
     * parsed, then POSTs a new one for the same session. Anything written after that point is lost
     * with the aborted response, so once a response has carried more than this the session stops
     * writing to it and queues until the new request arrives.
     */
    static final long STREAM_RESTART_CHARS = 256 * 1024;

    private static final long CLOSE_GRACE_MILLIS = 2000;

    private final String id;

    /** The client address that opened the session, counted against the per-address cap; may be null. */
    private final InetAddress address;

    private final EventLoop loop;
    private final Mode mode;
    private final boolean secure;
    private final Settings settings;
    private final HttpSessions owner;
    private final List<byte[]> queue = new ArrayList<>();
    private long queuedBytes;
    private PusherConnection connection;

    /** The open receive request, or {@code null} between polls / after the stream broke. */
    private ChannelHandlerContext receiver;

    private boolean receiverKeepAlive;
    private boolean opened;

    /**
     * Characters (as pusher-js counts them: UTF-16 units of {@code responseText}) written on the open
     * streaming response. See {@link #STREAM_RESTART_CHARS}.
     */
    private long streamedChars;

    private byte[] closeFrame;
    private int closeCode;
    private String closeReason;
    private boolean destroyed;
    private final SessionDeadlines deadlines;
    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> heldPoll;
    private final ChannelFutureListener pollAnswerWritten;

    HttpSession(
            String id,
            InetAddress address,
            EventLoop loop,
            Mode mode,
            boolean secure,
            Settings settings,
            HttpSessions owner) {
        this.id = id;
        this.address = address;
        this.loop = loop;
        this.mode = mode;
        this.secure = secure;
        this.settings = settings;
        this.owner = owner;
        this.deadlines =
                new SessionDeadlines(loop, settings, () -> !destroyed && receiver == null, this::detachedTooLong);
        pollAnswerWritten = f -> {
            if (loop.inEventLoop()) {
                detached();
            } else {
                loop.execute(this::detached);
            }
        };
        heartbeat = loop.scheduleAtFixedRate(
                this::tick, settings.heartbeatMillis(), settings.heartbeatMillis(), TimeUnit.MILLISECONDS);
    }

    void attach(PusherConnection connection) {
        this.connection = connection;
    }

    String id() {
        return id;
    }

    /**
     * Names the session in logs. Never the session id: like a SockJS session id it is a bearer
     * credential, and anyone who reads it can send and receive as this client.
     */
    private String socketId() {
        return connection == null ? "(not open)" : connection.socketId();
    }

    InetAddress address() {
        return address;
    }

    Mode mode() {
        return mode;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public String kind() {
        return mode.kind;
    }

    @Override
    public boolean secure() {
        return secure;
    }

    // --- Transport ----------------------------------------------------------------------------------

    @Override
    public void send(byte[] json) {
        enqueue(json);
        drain();
    }

    @Override
    public void write(SharedFrame frame) {
        enqueue(frame.json());
    }

    @Override
    public void flush() {
        drain();
    }

    @Override
    public void close(int code, String reason) {
        if (closeFrame != null || destroyed) {
            return;
        }
        queue.add(ServerFrames.error(code, reason));
        closeFrame = FallbackFrames.close(code, reason);
        closeCode = code;
        closeReason = reason;
        drain();
        if (!destroyed) {
            // Between two polls: the next one comes at once and carries the close; a client that
            // does not come back is not waited for as long as an idle session.
            loop.schedule(this::destroy, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void enqueue(byte[] json) {
        if (closeFrame != null || destroyed) {
            return;
        }
        queue.add(json);
        queuedBytes += json.length;
        if (queuedBytes > settings.maxQueuedBytes()) {
            log.info("closing slow HTTP session of socket {}: {} bytes queued", socketId(), queuedBytes);
            owner.rejected(connection == null ? null : connection.app().id(), Limit.WRITE_BUFFER_HIGH_WATER_MARK);
            queue.clear();
            queuedBytes = 0;
            close(io.switchboard.protocol.ErrorCodes.OVER_CAPACITY, "Slow consumer: too much data queued");
        }
    }

    // --- receive requests -----------------------------------------------------------------------------

    /** A receive request ({@code xhr_streaming} or {@code xhr}) arrived for this session. */
    void receive(ChannelHandlerContext ctx, boolean keepAlive) {
        deadlines.clientActive();
        if (destroyed) {
            HttpResponses.jsonError(ctx, keepAlive, 404, "Session closed");
            return;
        }
        deadlines.cancelDetached();
        if (mode == Mode.STREAMING) {
            ChannelHandlerContext previous = receiver;
            receiver = ctx;
            receiverKeepAlive = keepAlive;
            if (previous != null && previous != ctx) {
                endStream(previous, false);
            }
            ctx.channel().attr(HttpSessions.SESSION).set(this);
            FallbackResponses.streamHead(ctx);
            FallbackResponses.chunk(ctx, FallbackFrames.PRELUDE);
            streamedChars = FallbackFrames.PRELUDE.length;
            if (!opened) {
                opened = true;
                FallbackResponses.chunk(ctx, FallbackFrames.OPEN);
                streamedChars += FallbackFrames.OPEN.length;
            }
            ctx.flush();
            drain();
            return;
        }
        if (receiver != null) {
            // A newer poll replaces a held one: answer the old one with a heartbeat.
            respondPoll(FallbackFrames.HEARTBEAT);
        }
        receiver = ctx;
        receiverKeepAlive = keepAlive;
        ctx.channel().attr(HttpSessions.SESSION).set(this);
        if (!opened) {
            opened = true;
            respondPoll(FallbackFrames.OPEN);
            return;
        }
        if (!queue.isEmpty() || closeFrame != null) {
            drain();
            return;
        }
        heldPoll = loop.schedule(
                () -> {
                    heldPoll = null;
                    if (receiver != null) {
                        respondPoll(FallbackFrames.HEARTBEAT);
                    }
                },
                settings.heartbeatMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Messages from {@code xhr_send}; an empty list is a heartbeat. */
    void received(List<String> messages) {
        deadlines.clientActive();
        if (destroyed || connection == null) {
            return;
        }
        for (String message : messages) {
            connection.onMessage(message);
        }
    }

    /** Sends what is queued through the open receive request, if there is one. */
    void drain() {
        if (receiver == null || destroyed) {
            return;
        }
        if (queue.isEmpty() && closeFrame == null) {
            return;
        }
        if (mode == Mode.STREAMING && !receiver.channel().isWritable()) {
            return; // resumes from writabilityChanged
        }
        if (mode == Mode.STREAMING && streamedChars > STREAM_RESTART_CHARS) {
            return; // pusher-js is replacing this response; the queue goes out on the new one
        }
        byte[] batch = queue.isEmpty() ? null : FallbackFrames.messages(queue);
        queue.clear();
        queuedBytes = 0;
        if (mode == Mode.STREAMING) {
            if (batch != null) {
                FallbackResponses.chunk(receiver, batch);
                streamedChars += FallbackResponses.utf16Length(batch);
            }
            if (closeFrame != null) {
                FallbackResponses.chunk(receiver, closeFrame);
                endStream(receiver, true);
                receiver = null;
                destroy();
                return;
            }
            receiver.flush();
            return;
        }
        byte[] body = batch;
        if (closeFrame != null) {
            body = concat(batch, closeFrame);
        }
        respondPoll(body);
        if (closeFrame != null) {
            destroy();
        }
    }

    private void respondPoll(byte[] body) {
        ChannelHandlerContext ctx = receiver;
        receiver = null;
        ctx.channel().attr(HttpSessions.SESSION).compareAndSet(this, null);
        if (heldPoll != null) {
            heldPoll.cancel(false);
            heldPoll = null;
        }
        ChannelFuture written = ctx.writeAndFlush(FallbackResponses.pollAnswer(body, receiverKeepAlive));
        if (!receiverKeepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        // The client polls again once it has the whole answer: a large batch to a slow client takes
        // a while to get there, and that is no reason to count the client gone.
        written.addListener(pollAnswerWritten);
    }

    /** The connection of a receive request closed (the client aborted it or went away). */
    void receiverClosed(ChannelHandlerContext ctx) {
        if (receiver != null && receiver.channel() == ctx.channel()) {
            receiver = null;
            detached();
        }
    }

    /** Called when the streaming receiver's channel can take more data again. */
    void writable() {
        drain();
    }

    private void endStream(ChannelHandlerContext ctx, boolean keepAlive) {
        ctx.channel().attr(HttpSessions.SESSION).compareAndSet(this, null);
        var future = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive || !receiverKeepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    // --- expiry ----------------------------------------------------------------------------------------

    private void tick() {
        if (destroyed) {
            return;
        }
        if (deadlines.inactive()) {
            log.debug("HTTP session of socket {} inactive, closing", socketId());
            destroy();
            return;
        }
        if (mode == Mode.STREAMING && receiver != null && queue.isEmpty() && streamedChars <= STREAM_RESTART_CHARS) {
            FallbackResponses.chunk(receiver, FallbackFrames.HEARTBEAT);
            streamedChars += FallbackFrames.HEARTBEAT.length;
            receiver.flush();
        }
    }

    /** The receive request has ended and no other has taken its place. */
    private void detached() {
        if (destroyed || receiver != null) {
            return;
        }
        deadlines.detached();
    }

    private void detachedTooLong() {
        log.debug(
                "HTTP session of socket {} without a receive request for {} ms, closing",
                socketId(),
                settings.detachedTimeoutMillis());
        destroy();
    }

    /** Ends the session: the same cleanup as a closed WebSocket (presence, counts, webhooks). */
    void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        heartbeat.cancel(false);
        deadlines.cancelDetached();
        if (heldPoll != null) {
            heldPoll.cancel(false);
        }
        if (receiver != null) {
            if (mode == Mode.STREAMING) {
                endStream(receiver, false);
            } else {
                receiver.close();
            }
            receiver = null;
        }
        owner.remove(this);
        if (connection != null) {
            if (closeCode == 0) {
                connection.onClosed(1006, "HTTP session ended: no receive request or activity in time");
            } else {
                connection.onClosed(closeCode, closeReason);
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a == null) {
            return b;
        }
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
