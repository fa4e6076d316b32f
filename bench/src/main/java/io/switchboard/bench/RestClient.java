package io.switchboard.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Signed REST requests over a fixed pool of HTTP/1.1 keep-alive connections, one request in
 * flight per connection (no pipelining). Requests beyond the pool wait in a FIFO queue. Every
 * connection lives on one event loop and every method must be called on it ({@link #loop()}), so
 * nothing here is locked.
 */
public final class RestClient implements AutoCloseable {
    private static final ByteBuf END_OF_HEADERS =
            Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer("\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

    /** Told how a request ended: the HTTP status, or -1 when the connection failed. */
    @FunctionalInterface
    public interface Completion {
        void done(int status, long sentNanos);
    }

    private record Request(String path, byte[] body, Completion completion) {}

    private final Io io;
    private final EventLoop loop;
    private final Target target;
    private final Signer signer;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final ArrayDeque<Conn> idle = new ArrayDeque<>();
    private final List<Conn> all = new ArrayList<>();
    private final String hostHeader;
    private int inFlight;
    private boolean closing;
    private long tsSecond;
    private long tsAt;

    public RestClient(Io io, EventLoop loop, Target target) {
        this.io = io;
        this.loop = loop;
        this.target = target;
        this.signer = new Signer(target.secret());
        this.hostHeader = target.host() + ":" + target.port();
    }

    public EventLoop loop() {
        return loop;
    }

    /** Opens {@code n} connections; completes when all are connected. Call from any thread. */
    public CompletableFuture<Void> connect(int n) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            int[] left = {n};
            for (int i = 0; i < n; i++) {
                Conn c = new Conn();
                io.bootstrap(loop, c).connect(target.host(), target.port()).addListener(f -> {
                    if (!f.isSuccess()) {
                        done.completeExceptionally(f.cause());
                        return;
                    }
                    all.add(c);
                    idle.add(c);
                    if (--left[0] == 0) {
                        done.complete(null);
                    }
                });
            }
        });
        return done;
    }

    /** Sends a signed POST of {@code body} to {@code path} now, or when a connection frees up. */
    public void post(String path, byte[] body, Completion completion) {
        Request r = new Request(path, body, completion);
        Conn c = idle.poll();
        if (c == null) {
            queue.add(r);
        } else {
            c.send(r);
        }
    }

    /** Requests waiting for a connection. */
    public int queued() {
        return queue.size();
    }

    /** Requests sent and not answered. */
    public int inFlight() {
        return inFlight;
    }

    /** Drops the queued requests (the caller counts them as not sent); returns how many. */
    public int dropQueued() {
        int n = queue.size();
        queue.clear();
        return n;
    }

    /** Waits (from another thread) until nothing is queued or in flight, at most {@code seconds}. */
    public boolean awaitIdle(double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            boolean quiet;
            try {
                quiet = loop.submit(() -> queue.isEmpty() && inFlight == 0)
                        .get(5, TimeUnit.SECONDS)
                        .booleanValue();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return false;
            }
            if (quiet) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /** Opens a connection in place of one the server closed (Soketi closes after every response). */
    private void replace() {
        Conn c = new Conn();
        io.bootstrap(loop, c).connect(target.host(), target.port()).addListener(f -> {
            if (!f.isSuccess()) {
                if (!closing) {
                    loop.schedule(this::replace, 10, TimeUnit.MILLISECONDS);
                }
                return;
            }
            all.add(c);
            Request next = queue.poll();
            if (next != null) {
                c.send(next);
            } else {
                idle.add(c);
            }
        });
    }

    private long timestamp() {
        long now = System.nanoTime();
        if (tsSecond == 0 || now - tsAt > 500_000_000L) {
            tsSecond = System.currentTimeMillis() / 1000;
            tsAt = now;
        }
        return tsSecond;
    }

    @Override
    public void close() {
        loop.execute(() -> {
            closing = true;
            for (Conn c : all) {
                c.channel.close();
            }
        });
    }

    /** One keep-alive connection and its response parser. */
    private final class Conn extends ByteToMessageDecoder {
        private Channel channel;
        private Request current;
        private long sentNanos;
        private int status;
        private int bodyLeft = -1; // -1: reading headers
        private boolean chunked;
        private boolean keepAlive;

        void send(Request r) {
            current = r;
            inFlight++;
            String header = "POST " + r.path() + "?"
                    + signer.signedQuery("POST", r.path(), target.key(), timestamp(), r.body())
                    + " HTTP/1.1\r\nHost: " + hostHeader
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + r.body().length + "\r\n\r\n";
            ByteBuf b = channel.alloc().buffer(header.length() + r.body().length);
            b.writeCharSequence(header, StandardCharsets.US_ASCII);
            b.writeBytes(r.body());
            sentNanos = System.nanoTime();
            channel.writeAndFlush(b, channel.voidPromise());
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (true) {
                if (bodyLeft < 0) {
                    int end = ByteBufUtil.indexOf(END_OF_HEADERS, in);
                    if (end < 0) {
                        return;
                    }
                    String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.US_ASCII);
                    in.readerIndex(end + 4);
                    status = Integer.parseInt(head.substring(9, 12));
                    String lower = head.toLowerCase(Locale.ROOT);
                    int cl = lower.indexOf("\ncontent-length:");
                    chunked = lower.contains("\ntransfer-encoding: chunked");
                    keepAlive = !lower.contains("\nconnection: close");
                    if (cl >= 0) {
                        int eol = lower.indexOf('\r', cl + 1);
                        bodyLeft = Integer.parseInt(lower.substring(cl + 16, eol < 0 ? lower.length() : eol)
                                .trim());
                    } else {
                        bodyLeft = 0;
                    }
                }
                if (chunked) {
                    int end = ByteBufUtil.indexOf(END_OF_HEADERS, in);
                    if (end < 0) {
                        return;
                    }
                    in.readerIndex(end + 4);
                } else {
                    if (in.readableBytes() < bodyLeft) {
                        return;
                    }
                    in.skipBytes(bodyLeft);
                }
                bodyLeft = -1;
                finish(status);
                if (!in.isReadable()) {
                    return;
                }
            }
        }

        private void finish(int st) {
            Request r = current;
            current = null;
            if (r == null) {
                return;
            }
            inFlight--;
            if (!keepAlive) {
                channel.close(); // channelInactive opens a replacement, which takes the queue's head
            } else {
                Request next = queue.poll();
                if (next != null) {
                    send(next);
                } else {
                    idle.add(this);
                }
            }
            r.completion().done(st, sentNanos);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            all.remove(this);
            idle.remove(this);
            Request r = current;
            if (r != null) {
                current = null;
                inFlight--;
                r.completion().done(-1, sentNanos);
            }
            if (!closing) {
                replace();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
