package io.switchboard.bench.soak;

import io.switchboard.bench.WsConn;

/**
 * A well-behaved WebSocket subscriber of one fan-out channel: reads everything, answers pings, and
 * when the server closes it, opens a new connection and subscribes again after the reconnect
 * delay. Its {@link SequenceCheck} lives across reconnections, so the events it missed while away
 * count as lost.
 *
 * <p>With {@code dropEvery > 1} it is deliberately broken: it throws away every {@code dropEvery}-th
 * event it receives (never the first), which must show up as exactly that many lost.
 */
final class FanoutSubscriber implements WsConn.Listener {
    private final SoakContext ctx;
    private final String channel;
    private final SequenceCheck check = new SequenceCheck();
    private final int dropEvery;
    private long received;
    private volatile WsConn conn;
    private volatile boolean subscribed;

    FanoutSubscriber(SoakContext ctx, String channel, int dropEvery) {
        this.ctx = ctx;
        this.channel = channel;
        this.dropEvery = dropEvery;
    }

    void open() {
        conn = WsConn.open(ctx.io, null, ctx.target, this, 0);
    }

    boolean subscribed() {
        return subscribed;
    }

    /** Events up to {@code newest} not received. */
    long behind(long newest) {
        return check.behind(newest);
    }

    boolean started() {
        return check.started();
    }

    void close() {
        WsConn c = conn;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void onEstablished(WsConn c) {
        c.subscribe(channel, null);
    }

    @Override
    public void onSubscribed(WsConn c, String ch) {
        if (!subscribed) {
            subscribed = true;
            ctx.subscribed.incrementAndGet();
        }
    }

    @Override
    public void onStamp(WsConn c, long dueNanos, long seq) {
        received++;
        if (dropEvery > 1 && received % dropEvery == 0) {
            ctx.droppedOnPurpose.increment();
            return;
        }
        ctx.fanout.record(check, dueNanos, seq);
    }

    @Override
    public void onError(WsConn c, String frame) {
        ctx.error("fan-out subscriber on " + channel + ": " + frame);
    }

    @Override
    public void onClosed(WsConn c, String why) {
        if (subscribed) {
            subscribed = false;
            ctx.subscribed.decrementAndGet();
        }
        if (!ctx.stopping()) {
            ctx.note("fan-out subscriber on " + channel + " " + why + "; reconnecting");
            ctx.reconnectLater(this::open);
        }
    }
}
