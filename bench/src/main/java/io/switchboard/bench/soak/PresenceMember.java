package io.switchboard.bench.soak;

import io.switchboard.bench.WsConn;
import java.util.concurrent.TimeUnit;

/**
 * One member of a presence channel, on its own WebSocket, with a user id never used before in the
 * run for every join, so that every join must produce exactly one {@code member_added} webhook and
 * every leave one {@code member_removed} (a user coming back within the server's removal delay
 * would produce neither). It records both expectations in the ledger as they happen, and checks
 * the client events it receives from the channel's speaker.
 *
 * <p>A steady member (and the speaker) joins again, as a new user, when the server closes it; a
 * churning member only joins once and leaves when told.
 */
final class PresenceMember implements WsConn.Listener {
    private final SoakContext ctx;
    private final String channel;
    private final boolean steady;
    private final SequenceCheck check = new SequenceCheck();
    private volatile WsConn conn;
    private volatile String userId;
    private volatile boolean joined;
    private volatile boolean removalExpected;
    private volatile boolean leaving;

    PresenceMember(SoakContext ctx, String channel, boolean steady) {
        this.ctx = ctx;
        this.channel = channel;
        this.steady = steady;
    }

    /** Connects and subscribes as a new user. */
    void join() {
        userId = ctx.nextUserId();
        joined = false;
        removalExpected = false;
        conn = WsConn.open(ctx.io, null, ctx.target, this, 0);
    }

    boolean joined() {
        return joined;
    }

    /** Client events up to {@code newest} not received. */
    long behind(long newest) {
        return check.behind(newest);
    }

    /**
     * Leaves the channel: by {@code pusher:unsubscribe} (the connection is closed a second later),
     * or by closing the connection.
     */
    void leave(boolean unsubscribe) {
        leaving = true;
        WsConn c = conn;
        if (c == null) {
            return;
        }
        if (unsubscribe && joined) {
            c.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
            expectRemoval();
            ctx.loop.schedule(c::close, 1, TimeUnit.SECONDS);
        } else {
            c.close();
        }
    }

    /** Sends a client event; false when not subscribed at the moment. */
    boolean speak(String data) {
        WsConn c = conn;
        if (!joined || c == null || !c.isOpen()) {
            return false;
        }
        c.send("{\"event\":\"client-soak\",\"channel\":\"" + channel + "\",\"data\":\"" + data + "\"}");
        return true;
    }

    @Override
    public void onEstablished(WsConn c) {
        String channelData = "{\"user_id\":\"" + userId + "\"}";
        String auth = ctx.target.key() + ":" + ctx.signer().hmacHex(c.socketId() + ":" + channel + ":" + channelData);
        c.send("{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"" + auth + "\",\"channel_data\":\""
                + channelData.replace("\"", "\\\"") + "\",\"channel\":\"" + channel + "\"}}");
    }

    @Override
    public void onSubscribed(WsConn c, String ch) {
        if (!joined) {
            joined = true;
            ctx.ledger.expect(WebhookLedger.member("member_added", channel, userId));
        }
    }

    @Override
    public void onStamp(WsConn c, long dueNanos, long seq) {
        ctx.clientEvents.record(check, dueNanos, seq);
    }

    @Override
    public void onError(WsConn c, String frame) {
        ctx.error("presence member " + userId + " on " + channel + ": " + frame);
        if (!joined) {
            c.close(); // refused: a steady member tries again as a new user
        }
    }

    @Override
    public void onClosed(WsConn c, String why) {
        if (joined) {
            expectRemoval();
            joined = false;
        }
        if (steady && !leaving && !ctx.stopping()) {
            ctx.note("presence member on " + channel + " " + why + "; joining again");
            ctx.reconnectLater(this::join);
        }
    }

    private synchronized void expectRemoval() {
        if (!removalExpected) {
            removalExpected = true;
            ctx.ledger.expect(WebhookLedger.member("member_removed", channel, userId));
        }
    }
}
