package io.switchboard.bench.soak;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.switchboard.bench.Json;
import io.switchboard.bench.Payload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A pusher-js HTTP fallback client (pusher-protocol.md §9, docs/transports.md), subscribed to one
 * fan-out channel and checking what it receives like a WebSocket subscriber. {@code xhr_streaming}
 * keeps one receive request open and, when the server ends it (after 256 KiB), posts the next one
 * for the same session, and, as pusher-js does, drops a response that has carried more than 256 KiB
 * and posts a new one; {@code xhr_polling} posts the next {@code xhr} as soon as a poll is answered.
 * Sends (subscribe, pong, the answer to a streaming heartbeat) go as {@code xhr_send} POSTs on a
 * second keep-alive connection, one at a time. When the server closes the session ({@code c[...]}),
 * answers a receive request with anything but 200, or the receive connection drops, the client
 * opens a new session after the reconnect delay, as pusher-js does.
 *
 * <p>Everything runs on one event loop.
 */
final class FallbackSession {
    /** The two fallback transports. */
    enum Mode {
        STREAMING("xhr_streaming"),
        POLLING("xhr");

        final String path;

        Mode(String path) {
            this.path = path;
        }
    }

    /** Counters shared by the sessions of one mode. */
    static final class Counters {
        final AtomicInteger open = new AtomicInteger();
        final LongAdder sessions = new LongAdder();
        final LongAdder receiveRequests = new LongAdder();
    }

    private static final AtomicLong REQUESTS = new AtomicLong();
    /** pusher-js aborts a streaming response that has carried more than this and posts a new one. */
    private static final int STREAM_LIMIT = 256 * 1024;

    private static final String SESSION_CHARS = "0123456789abcdefghijklmnopqrstuv";

    private final SoakContext ctx;
    private final Mode mode;
    private final String channel;
    private final Counters counters;
    private final EventLoop loop;
    private final SequenceCheck check = new SequenceCheck();
    private final ArrayDeque<String> sends = new ArrayDeque<>();
    private int generation;
    private String sessionPath;
    private Channel receiver;
    private Channel sender;
    private boolean sending;
    private boolean opened;
    private boolean subscribed;

    FallbackSession(SoakContext ctx, Mode mode, String channel, Counters counters) {
        this.ctx = ctx;
        this.mode = mode;
        this.channel = channel;
        this.counters = counters;
        this.loop = ctx.io.group().next();
    }

    /** Opens a new session (from any thread). */
    void open() {
        loop.execute(this::start);
    }

    /** Events up to {@code newest} not received. */
    long behind(long newest) {
        return check.behind(newest);
    }

    void close() {
        loop.execute(() -> end(false));
    }

    private void start() {
        generation++;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder session = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            session.append(SESSION_CHARS.charAt(r.nextInt(SESSION_CHARS.length())));
        }
        sessionPath = "/pusher/app/" + ctx.target.key() + "/" + r.nextInt(1000) + "/" + session;
        opened = false;
        subscribed = false;
        counters.sessions.increment();
        receive();
    }

    /** Closes both connections; with {@code reconnect}, opens a new session later. */
    private void end(boolean reconnect) {
        generation++;
        if (subscribed) {
            subscribed = false;
            counters.open.decrementAndGet();
        }
        sends.clear();
        sending = false;
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
        if (sender != null) {
            sender.close();
            sender = null;
        }
        if (reconnect) {
            ctx.reconnectLater(this::open);
        }
    }

    private void receive() {
        int gen = generation;
        if (receiver != null && receiver.isActive()) {
            post(receiver, mode.path, "?protocol=7&client=js&version=8.6.0&", Unpooled.EMPTY_BUFFER);
            counters.receiveRequests.increment();
            return;
        }
        connect(new Response(gen, true), ch -> {
            receiver = ch;
            receive();
        });
    }

    private void send(String message) {
        sends.add(Json.write(List.of(message)));
        pump();
    }

    private void pump() {
        if (sending || sends.isEmpty()) {
            return;
        }
        int gen = generation;
        if (sender == null || !sender.isActive()) {
            sending = true;
            connect(new Response(gen, false), ch -> {
                sender = ch;
                sending = false;
                pump();
            });
            return;
        }
        sending = true;
        post(sender, "xhr_send", "?", Unpooled.copiedBuffer(sends.peek(), StandardCharsets.UTF_8));
    }

    private void connect(Response handler, Consumer<Channel> then) {
        ctx.io
                .bootstrap(loop, new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), handler);
                    }
                })
                .connect(ctx.target.host(), ctx.target.port())
                .addListener(f -> {
                    if (handler.generation != generation) {
                        ((ChannelFuture) f).channel().close();
                    } else if (f.isSuccess()) {
                        then.accept(((ChannelFuture) f).channel());
                    } else {
                        ctx.error("fallback " + mode.path + ": connect failed: " + f.cause());
                        end(!ctx.stopping());
                    }
                });
    }

    private void post(Channel ch, String what, String query, ByteBuf body) {
        String uri = sessionPath + "/" + what + query + "t=" + System.currentTimeMillis() + "&n="
                + REQUESTS.incrementAndGet();
        var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri, body);
        request.headers()
                .set(HttpHeaderNames.HOST, ctx.target.host() + ":" + ctx.target.port())
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        Response handler = ch.pipeline().get(Response.class);
        if (handler != null) {
            handler.inFlight = true;
        }
        ch.writeAndFlush(request, ch.voidPromise());
    }

    /** One line of a receive response: {@code o}, {@code a[...]}, {@code m"..."}, {@code h} or {@code c[...]}. */
    private void line(String line) {
        if (line.isEmpty()) {
            return;
        }
        switch (line.charAt(0)) {
            case 'o' -> {
                if (opened) {
                    ctx.error("fallback " + mode.path + ": a second 'o' (server lost the session)");
                    end(true);
                } else {
                    opened = true;
                }
            }
            case 'h' -> {
                if (opened && mode == Mode.STREAMING) {
                    sends.add("[]"); // pusher-js answers a streaming heartbeat
                    pump();
                }
            }
            case 'a' -> {
                for (Object m : (List<?>) Json.parse(line.substring(1))) {
                    message(String.valueOf(m));
                }
            }
            case 'm' -> message(String.valueOf(Json.parse(line.substring(1))));
            case 'c' -> {
                ctx.note("fallback " + mode.path + " closed by the server: " + line);
                end(!ctx.stopping());
            }
            default -> ctx.error("fallback " + mode.path + ": unexpected line " + line);
        }
    }

    private void message(String m) {
        Payload.Stamp stamp = Payload.find(m);
        if (stamp != null) {
            ctx.fallback.record(check, stamp.sendNanos(), stamp.seq());
        } else if (m.contains("pusher:connection_established")) {
            send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
        } else if (m.contains("subscription_succeeded")) {
            if (!subscribed) {
                subscribed = true;
                counters.open.incrementAndGet();
            }
        } else if (m.contains("pusher:ping")) {
            send("{\"event\":\"pusher:pong\",\"data\":{}}");
        } else if (m.contains("pusher:error") || m.contains("subscription_error")) {
            ctx.error("fallback " + mode.path + ": " + m);
        }
    }

    /** Reads the responses of one connection of one session generation. */
    private final class Response extends SimpleChannelInboundHandler<HttpObject> {
        final int generation;
        final boolean receives;
        private final StringBuilder pending = new StringBuilder();
        private int status;
        private boolean keepAlive;
        private long bodyChars;
        private boolean aborted;
        /** A request on this connection is waiting for its response. */
        boolean inFlight;

        Response(int generation, boolean receives) {
            this.generation = generation;
            this.receives = receives;
        }

        private boolean current() {
            return generation == FallbackSession.this.generation;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext c, HttpObject msg) {
            if (!current() || aborted) {
                return;
            }
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
                keepAlive = HttpUtil.isKeepAlive(r);
                pending.setLength(0);
                bodyChars = 0;
            }
            if (msg instanceof HttpContent content && receives && status == 200) {
                String text = content.content().toString(StandardCharsets.UTF_8);
                bodyChars += text.length();
                pending.append(text);
                int nl;
                while ((nl = pending.indexOf("\n")) >= 0 && current()) {
                    String l = pending.substring(0, nl);
                    pending.delete(0, nl + 1);
                    line(l);
                }
                if (mode == Mode.STREAMING && bodyChars > STREAM_LIMIT && current()) {
                    // as pusher-js does: abort this response, receive on a new one for the session
                    inFlight = false;
                    aborted = true;
                    c.channel().close();
                    receiver = null;
                    receive();
                    return;
                }
            }
            if (msg instanceof LastHttpContent && current()) {
                finished(c.channel());
            }
        }

        private void finished(Channel ch) {
            inFlight = false;
            if (!keepAlive) {
                ch.close();
                if (receives) {
                    receiver = null;
                } else {
                    sender = null;
                }
            }
            if (receives) {
                if (status != 200) {
                    ctx.error("fallback " + mode.path + ": receive answered " + status);
                    end(!ctx.stopping());
                } else {
                    receive(); // the next poll, or the next stream after the server ended this one
                }
            } else {
                sending = false;
                if (status == 404) {
                    ctx.error("fallback " + mode.path + ": xhr_send answered 404 (unknown session)");
                }
                sends.poll();
                pump();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) throws Exception {
            if (current() && inFlight) {
                inFlight = false;
                if (receives) {
                    ctx.note("fallback " + mode.path + ": receive connection dropped; new session");
                    end(!ctx.stopping());
                } else {
                    sending = false; // the message stays queued and goes on a new connection
                    sender = null;
                    pump();
                }
            }
            super.channelInactive(c);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            c.close();
        }
    }
}
