package io.switchboard.bench.soak;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.bench.WsConn;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Clients a server must survive, connecting from their own loopback address ({@code
 * --hostile-address}, 127.0.0.2) so that per-address limits they run into do not touch the
 * well-behaved clients. Each one comes back {@code comebackSeconds} after the server closed it:
 *
 * <ul>
 *   <li><b>flood</b>: a WebSocket that sends {@code floodRate} frames a second, each an unknown
 *       event with a {@code floodNameLength}-character name (the server's error reply repeats the
 *       name), and never reads;
 *   <li><b>slowloris</b>: every {@code slowlorisEverySeconds} a new socket that sends half a request
 *       header and then nothing (at most {@code slowlorisMax} open at once);
 *   <li><b>pipeline</b>: one connection that pipelines {@code xhr_streaming} POSTs, each for a new
 *       session id, {@code pipelineBurst} at once and then one a second, and discards what it reads;
 *   <li><b>stalled</b>: a subscriber of every fan-out channel that stops reading once subscribed.
 * </ul>
 *
 * Their deliveries are never counted; what is counted is how often the server closed each kind.
 */
final class HostileClients {
    /** What to run. */
    record Plan(
            String address,
            double comebackSeconds,
            int floodRate,
            int floodNameLength,
            double slowlorisEverySeconds,
            int slowlorisMax,
            int pipelineBurst,
            List<String> stalledChannels) {}

    private final SoakContext ctx;
    private final Plan plan;
    private final InetSocketAddress from;
    private final InetSocketAddress to;
    final LongAdder floodFrames = new LongAdder();
    final LongAdder floodClosed = new LongAdder();
    final LongAdder slowlorisOpened = new LongAdder();
    final LongAdder slowlorisClosed = new LongAdder();
    final LongAdder pipelined = new LongAdder();
    final LongAdder pipelineClosed = new LongAdder();
    final LongAdder stalledClosed = new LongAdder();
    private final Set<Channel> slowloris = ConcurrentHashMap.newKeySet();
    private final Set<Channel> raw = ConcurrentHashMap.newKeySet();
    private volatile WsConn stalled;
    private volatile ScheduledFuture<?> slowlorisTimer;
    private volatile boolean stopped;

    HostileClients(SoakContext ctx, Plan plan) {
        this.ctx = ctx;
        this.plan = plan;
        this.from = plan.address().isEmpty() ? null : new InetSocketAddress(plan.address(), 0);
        this.to = new InetSocketAddress(ctx.target.host(), ctx.target.port());
    }

    void start() {
        if (plan.floodRate() > 0) {
            flood();
        }
        if (plan.slowlorisEverySeconds() > 0 && plan.slowlorisMax() > 0) {
            long every = (long) (plan.slowlorisEverySeconds() * 1000);
            slowlorisTimer = ctx.loop.scheduleAtFixedRate(this::slowloris, 0, every, TimeUnit.MILLISECONDS);
        }
        if (plan.pipelineBurst() > 0) {
            pipeline();
        }
        if (!plan.stalledChannels().isEmpty()) {
            stall();
        }
    }

    void stop() {
        stopped = true;
        ScheduledFuture<?> t = slowlorisTimer;
        if (t != null) {
            t.cancel(false);
        }
        raw.forEach(Channel::close);
        slowloris.forEach(Channel::close);
        WsConn s = stalled;
        if (s != null) {
            s.close();
        }
    }

    int slowlorisOpen() {
        return slowloris.size();
    }

    /** Closes of hostile clients by the server, all kinds. */
    long closedByServer() {
        return floodClosed.sum() + slowlorisClosed.sum() + pipelineClosed.sum() + stalledClosed.sum();
    }

    private void comeBack(Runnable open) {
        if (!stopped) {
            ctx.loop.schedule(open, (long) (plan.comebackSeconds() * 1000), TimeUnit.MILLISECONDS);
        }
    }

    /** Opens a raw connection that reads and drops everything (or reads nothing when not {@code reading}). */
    private ChannelFuture connect(boolean reading, Runnable onClose) {
        var b = ctx.io.bootstrap(null, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext c, Object msg) {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext c) {
                raw.remove(c.channel());
                if (!stopped) {
                    onClose.run();
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                c.close();
            }
        });
        b.option(ChannelOption.AUTO_READ, reading);
        ChannelFuture f = from == null ? b.connect(to) : b.connect(to, from);
        f.addListener(x -> {
            if (x.isSuccess()) {
                raw.add(f.channel());
            }
        });
        return f;
    }

    private void flood() {
        ChannelFuture f = connect(false, () -> {
            floodClosed.increment();
            comeBack(this::flood);
        });
        f.addListener(x -> {
            if (!x.isSuccess()) {
                comeBack(this::flood);
                return;
            }
            Channel ch = f.channel();
            ch.writeAndFlush(ascii(upgrade()));
            String frame =
                    "{\"event\":\"soak-unknown-" + "x".repeat(Math.max(1, plan.floodNameLength())) + "\",\"data\":{}}";
            byte[] payload = frame.getBytes(StandardCharsets.UTF_8);
            int perTick = Math.max(1, plan.floodRate() / 100);
            whileOpen(ch, 10, () -> {
                for (int i = 0; i < perTick && ch.isWritable(); i++) {
                    ch.write(WsConn.textFrame(ch.alloc(), payload), ch.voidPromise());
                    floodFrames.increment();
                }
                ch.flush();
            });
        });
    }

    private void slowloris() {
        if (stopped || slowloris.size() >= plan.slowlorisMax()) {
            return;
        }
        ChannelFuture f = connect(true, () -> {});
        f.addListener(x -> {
            if (!x.isSuccess()) {
                return;
            }
            Channel ch = f.channel();
            slowloris.add(ch);
            slowlorisOpened.increment();
            ch.closeFuture().addListener(c -> {
                if (slowloris.remove(ch) && !stopped) {
                    slowlorisClosed.increment();
                }
            });
            ch.writeAndFlush(ascii("GET /app/" + ctx.target.key() + "?protocol=7&client=js&version=8.6.0 HTTP/1.1\r\n"
                    + "Host: " + ctx.target.host() + "\r\nUpgrade: webs"));
        });
    }

    private void pipeline() {
        ChannelFuture f = connect(true, () -> {
            pipelineClosed.increment();
            comeBack(this::pipeline);
        });
        f.addListener(x -> {
            if (!x.isSuccess()) {
                comeBack(this::pipeline);
                return;
            }
            Channel ch = f.channel();
            for (int i = 0; i < plan.pipelineBurst(); i++) {
                ch.write(ascii(streamingPost()), ch.voidPromise());
                pipelined.increment();
            }
            ch.flush();
            whileOpen(ch, 1000, () -> {
                ch.writeAndFlush(ascii(streamingPost()), ch.voidPromise());
                pipelined.increment();
            });
        });
    }

    /** Runs {@code task} every {@code millis} on {@code ch}'s loop until {@code ch} closes. */
    private static void whileOpen(Channel ch, long millis, Runnable task) {
        ScheduledFuture<?> timer = ch.eventLoop().scheduleAtFixedRate(task, millis, millis, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(c -> timer.cancel(false));
    }

    private void stall() {
        stalled = WsConn.open(ctx.io, null, ctx.target, new Stalled(), 0, from);
    }

    private String upgrade() {
        return "GET /app/" + ctx.target.key() + "?protocol=7&client=js&version=8.6.0 HTTP/1.1\r\n"
                + "Host: " + ctx.target.host() + ":" + ctx.target.port() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: c3dpdGNoYm9hcmRzb2Fr\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    private String streamingPost() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String session = Long.toString(r.nextLong(1L << 40, 1L << 41), 32);
        return "POST /pusher/app/" + ctx.target.key() + "/" + r.nextInt(1000) + "/" + session
                + "/xhr_streaming?protocol=7&client=js&version=8.6.0 HTTP/1.1\r\n"
                + "Host: " + ctx.target.host() + ":" + ctx.target.port() + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n";
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Subscribes to every fan-out channel, then stops reading. */
    private final class Stalled implements WsConn.Listener {
        private int acknowledged;

        @Override
        public void onEstablished(WsConn c) {
            for (String channel : plan.stalledChannels()) {
                c.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
            }
        }

        @Override
        public void onSubscribed(WsConn c, String channel) {
            if (++acknowledged == plan.stalledChannels().size()) {
                c.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void onStamp(WsConn c, long sendNanos, long seq) {}

        @Override
        public void onError(WsConn c, String frame) {}

        @Override
        public void onClosed(WsConn c, String why) {
            if (!stopped) {
                stalledClosed.increment();
                comeBack(HostileClients.this::stall);
            }
        }
    }
}
