package io.switchboard.bench.soak;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.bench.Json;
import io.switchboard.bench.Payload;
import io.switchboard.bench.Signer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The application's webhook endpoint, on loopback inside the load generator, made to be a poor one:
 * it answers each POST only after a random delay, and it is down (not listening, its open
 * connections closed) for {@code outageSeconds} every {@code outageEverySeconds}, the first time
 * {@code firstOutageSeconds} into the run. Every event of every POST whose signature checks out is
 * handed to the {@link WebhookLedger}; the answer is always 200.
 *
 * <p>With {@code ignoreEvery > 1} it is deliberately broken: it answers 200 but forgets every
 * {@code ignoreEvery}-th tracked event (and any later copy of it), which must show up as exactly
 * that many lost webhooks. Everything runs on one event loop.
 */
final class WebhookReceiver implements AutoCloseable {
    /** How the receiver misbehaves. Durations in seconds. */
    record Behaviour(
            double minDelay,
            double maxDelay,
            double outageSeconds,
            double outageEverySeconds,
            double firstOutageSeconds,
            int ignoreEvery) {}

    private final EventLoop loop;
    private final int port;
    private final Signer signer;
    private final WebhookLedger ledger;
    private final Behaviour behaviour;
    private final ChannelGroup open;
    final LongAdder posts = new LongAdder();
    final LongAdder badSignatures = new LongAdder();
    final LongAdder outages = new LongAdder();
    private long tracked;
    private volatile Channel listener;
    private volatile boolean closed;

    WebhookReceiver(EventLoop loop, int port, String secret, WebhookLedger ledger, Behaviour behaviour) {
        this.loop = loop;
        this.port = port;
        this.signer = new Signer(secret);
        this.ledger = ledger;
        this.behaviour = behaviour;
        this.open = new DefaultChannelGroup(loop);
    }

    /** Starts listening and schedules the outages; returns when listening. */
    void start() throws InterruptedException {
        bind().sync();
        if (behaviour.outageSeconds() > 0 && behaviour.outageEverySeconds() > 0) {
            loop.schedule(this::goDown, (long) (behaviour.firstOutageSeconds() * 1000), TimeUnit.MILLISECONDS);
        }
    }

    boolean up() {
        Channel l = listener;
        return l != null && l.isActive();
    }

    private io.netty.channel.ChannelFuture bind() {
        return new ServerBootstrap()
                .group(loop)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        open.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 << 20), new Handler());
                    }
                })
                .bind("127.0.0.1", port)
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        listener = f.channel();
                    }
                });
    }

    private void goDown() {
        if (closed) {
            return;
        }
        outages.increment();
        Channel l = listener;
        listener = null;
        if (l != null) {
            l.close();
        }
        open.close();
        loop.schedule(this::goUp, (long) (behaviour.outageSeconds() * 1000), TimeUnit.MILLISECONDS);
    }

    private void goUp() {
        if (closed) {
            return;
        }
        bind().addListener(f -> {
            if (!f.isSuccess()) {
                loop.schedule(this::goUp, 1, TimeUnit.SECONDS); // the port is not free yet
                return;
            }
            long upFor = (long) ((behaviour.outageEverySeconds() - behaviour.outageSeconds()) * 1000);
            loop.schedule(this::goDown, Math.max(1000, upFor), TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public void close() {
        closed = true;
        loop.execute(() -> {
            Channel l = listener;
            if (l != null) {
                l.close();
            }
            open.close();
        });
    }

    private void take(String body) {
        Object parsed = Json.parse(body);
        if (!(parsed instanceof Map<?, ?> m) || !(m.get("events") instanceof List<?> events)) {
            ledger.arrivedOther("malformed");
            return;
        }
        for (Object o : events) {
            if (!(o instanceof Map<?, ?> e)) {
                ledger.arrivedOther("malformed");
                continue;
            }
            String name = String.valueOf(e.get("name"));
            String channel = String.valueOf(e.get("channel"));
            String key = switch (name) {
                case "member_added", "member_removed" ->
                    WebhookLedger.member(name, channel, String.valueOf(e.get("user_id")));
                case "client_event" -> {
                    Payload.Stamp s = Payload.find(String.valueOf(e.get("data")));
                    yield s == null ? null : WebhookLedger.clientEvent(channel, s.seq());
                }
                default -> null;
            };
            if (key == null) {
                ledger.arrivedOther(name);
            } else if (!ignore(key)) {
                ledger.arrived(key);
            }
        }
    }

    /** Whether to forget {@code key} ({@code --break-webhooks}); counts each forgotten event once. */
    private boolean ignore(String key) {
        if (ledger.isForgotten(key)) {
            return true;
        }
        if (behaviour.ignoreEvery() > 1 && ++tracked % behaviour.ignoreEvery() == 0) {
            ledger.forgotten(key);
            return true;
        }
        return false;
    }

    /** Checks and records one POST, then answers it after the delay. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            posts.increment();
            String body = request.content().toString(StandardCharsets.UTF_8);
            String signature = request.headers().get("X-Pusher-Signature");
            if (signature == null || !signature.equals(signer.hmacHex(body))) {
                badSignatures.increment();
            } else {
                take(body);
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            double delay = behaviour.minDelay()
                    + ThreadLocalRandom.current().nextDouble() * (behaviour.maxDelay() - behaviour.minDelay());
            ctx.executor()
                    .schedule(
                            () -> {
                                var response = new DefaultFullHttpResponse(
                                        HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
                                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                                HttpUtil.setKeepAlive(response, keepAlive);
                                var f = ctx.writeAndFlush(response);
                                if (!keepAlive) {
                                    f.addListener(ChannelFutureListener.CLOSE);
                                }
                            },
                            (long) (delay * 1000),
                            TimeUnit.MILLISECONDS);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
