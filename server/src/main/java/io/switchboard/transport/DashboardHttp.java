package io.switchboard.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.switchboard.dashboard.Dashboard;
import io.switchboard.dashboard.DashboardRequest;
import io.switchboard.dashboard.DashboardResponse;
import io.switchboard.dashboard.EventStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard on the admin listener, in Netty terms: requests are answered on virtual threads
 * (the dashboard may wait on the broker's stores), at most {@link #MAX_CONCURRENT} at once, and a
 * console stream becomes a chunked {@code text/event-stream} response ({@link Sse}).
 *
 * <p>Dashboard answers carry no CORS headers (unlike the public port's), so no other origin can
 * read them, and every one carries a strict Content-Security-Policy and frame denial. A console
 * stream is one exchange that never ends while it runs, so the connection's request and idle
 * deadlines do not apply to it ({@link HttpConnectionGuard}); the console ends streams itself: at
 * its maximum lifetime, with its login, or when the client stops reading.
 */
final class DashboardHttp {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");
    private static final int MAX_CONCURRENT = 16;
    private static final int CLOSE_GRACE_SECONDS = 2;
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final Dashboard dashboard;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    private final Executor executor = Executors.newVirtualThreadPerTaskExecutor();

    DashboardHttp(Dashboard dashboard) {
        this.dashboard = dashboard;
    }

    void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String path, String query) {
        if (!slots.tryAcquire()) {
            write(
                    ctx,
                    keepAlive,
                    new DashboardResponse.Full(
                            503,
                            "text/plain; charset=utf-8",
                            "Too many dashboard requests at once; retry shortly".getBytes(StandardCharsets.UTF_8),
                            Map.of()));
            return;
        }
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<String, String> h : request.headers()) {
            headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue());
        }
        DashboardRequest r = new DashboardRequest(
                request.method().name(), path, query, Map.copyOf(headers), ByteBufUtil.getBytes(request.content()));
        executor.execute(() -> {
            DashboardResponse response;
            try {
                response = dashboard.handle(r);
            } catch (RuntimeException e) {
                log.warn("dashboard {} {} failed", r.method(), path, e);
                response = new DashboardResponse.Full(
                        500, "text/plain; charset=utf-8", "Internal error".getBytes(StandardCharsets.UTF_8), Map.of());
            } finally {
                slots.release();
            }
            DashboardResponse answer = response;
            ctx.executor().execute(() -> write(ctx, keepAlive, answer));
        });
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, DashboardResponse response) {
        switch (response) {
            case DashboardResponse.Full full -> {
                FullHttpResponse out = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(full.status()),
                        Unpooled.wrappedBuffer(full.body()));
                HttpHeaders h = out.headers();
                h.set(HttpHeaderNames.CONTENT_TYPE, full.contentType());
                secure(h);
                full.headers().forEach(h::set);
                HttpUtil.setContentLength(out, full.body().length);
                if (keepAlive) {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                    ctx.writeAndFlush(out, ctx.voidPromise());
                } else {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
                }
            }
            case DashboardResponse.Events events -> {
                if (!ctx.channel().isActive()) {
                    events.cancel().run();
                    return;
                }
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpHeaders h = head.headers();
                h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
                secure(h);
                h.set("X-Accel-Buffering", "no"); // a proxy in front must not hold events back
                HttpUtil.setTransferEncodingChunked(head, true);
                ctx.writeAndFlush(head, ctx.voidPromise());
                events.start().accept(new Sse(ctx));
            }
        }
    }

    private static void secure(HttpHeaders h) {
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "same-origin"); // "no-referrer" would make form posts send Origin: null
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    }

    /** One open console stream: a chunk per send, the connection closed at its end. */
    private static final class Sse implements EventStream {
        private final ChannelHandlerContext ctx;
        private final AtomicBoolean ended = new AtomicBoolean();

        Sse(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public boolean send(String text) {
            if (ended.get() || !ctx.channel().isWritable()) {
                return false;
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            onLoop(() -> {
                if (!ended.get()) {
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), ctx.voidPromise());
                }
            });
            return true;
        }

        @Override
        public boolean writable() {
            return ctx.channel().isWritable();
        }

        @Override
        public void end() {
            onLoop(() -> {
                if (ended.compareAndSet(false, true) && ctx.channel().isActive()) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                    // A client that reads nothing never lets that write finish: close it anyway.
                    ctx.executor().schedule(() -> ctx.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
                }
            });
        }

        @Override
        public void onEnd(Runnable whenEnded) {
            ctx.channel().closeFuture().addListener(f -> {
                ended.set(true);
                whenEnded.run();
            });
        }

        private void onLoop(Runnable task) {
            if (ctx.executor().inEventLoop()) {
                task.run();
            } else {
                ctx.executor().execute(task);
            }
        }
    }
}
