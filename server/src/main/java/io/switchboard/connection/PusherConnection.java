package io.switchboard.connection;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.app.App;
import io.switchboard.app.HistoryRule;
import io.switchboard.channel.ChannelTable;
import io.switchboard.channel.Channels;
import io.switchboard.channel.SharedFrame;
import io.switchboard.channel.Subscriber;
import io.switchboard.channel.Subscription;
import io.switchboard.channel.UserPresence;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import io.switchboard.debug.DebugTap;
import io.switchboard.metrics.Limit;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ClientMessage;
import io.switchboard.protocol.ClientMessageDecoder;
import io.switchboard.protocol.ClientText;
import io.switchboard.protocol.ErrorCodes;
import io.switchboard.protocol.ProtocolException;
import io.switchboard.protocol.ServerFrames;
import io.switchboard.protocol.Signatures;
import io.switchboard.protocol.UserPayloads;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection's Pusher protocol state: its subscriptions, its signed-in user, its
 * client-event budget. Transport-neutral; every method except {@link #closeFromAnyThread} runs on
 * the transport's event loop, so no state here is locked.
 */
public final class PusherConnection implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger("switchboard.connection");

    /**
     * What the connection needs from the rest of the server; one instance per server.
     *
     * @param debug where connections report to the debug console
     */
    public record Context(
            Channels channels,
            UserPresence users,
            Connections connections,
            ConnectionGate gate,
            ClientMessageDecoder decoder,
            int activityTimeout,
            LimitRejections rejections,
            DebugTap debug) {}

    final Context ctx;
    /** Refreshed from the registry on every message, so live changes to the app apply here. */
    App app;

    final String socketId;
    final Transport transport;
    private final int protocol;
    private final String client;
    private final String version;
    final Subscriptions subscriptions = new Subscriptions();

    String userId;
    String userInfo;
    private List<String> watchlist = List.of();
    private List<ChannelTable.Slot> watching = List.of();
    private ScheduledFuture<?> signinTimer;
    /** Made at the first client event: most connections never send one. */
    TokenBucket clientEvents;

    private boolean unflushed;
    private boolean closed;

    /**
     * @param protocol the protocol version the client asked for
     * @param client the {@code client} query parameter, for insight only
     * @param version the {@code version} query parameter, for insight only
     */
    public PusherConnection(
            Context ctx, App app, String socketId, Transport transport, int protocol, String client, String version) {
        this.ctx = ctx;
        this.app = app;
        this.socketId = socketId;
        this.transport = transport;
        this.protocol = protocol;
        this.client = client;
        this.version = version;
    }

    public App app() {
        return app;
    }

    @Override
    public String socketId() {
        return socketId;
    }

    @Override
    public EventLoop eventLoop() {
        return transport.eventLoop();
    }

    public Transport transport() {
        return transport;
    }

    public int protocol() {
        return protocol;
    }

    public String client() {
        return client;
    }

    String clientVersion() {
        return version;
    }

    /** The signed-in user id, or {@code null}. */
    public String userId() {
        return userId;
    }

    /** Sends {@code connection_established} and registers the connection. */
    public void open() {
        ctx.connections().add(this);
        transport.send(ServerFrames.connectionEstablished(socketId, ctx.activityTimeout()));
        if (app.userAuthentication()) {
            signinTimer = eventLoop()
                    .schedule(
                            () -> {
                                if (userId == null) {
                                    close(ErrorCodes.UNAUTHORIZED, "Connection not authorized within timeout");
                                }
                            },
                            app.signinTimeoutSeconds(),
                            TimeUnit.SECONDS);
        }
        ctx.debug().connectionOpened(app.id(), socketId, transport.kind(), protocol, client, version);
        log.debug("open {} app={} transport={} protocol={}", socketId, app.id(), transport.kind(), protocol);
    }

    /** Handles one text message from the client. */
    public void onMessage(String text) {
        if (closed) {
            return;
        }
        app = ctx.gate().current(app);
        if (!app.enabled()) {
            // Disabled while this connection was being admitted, after the others were closed.
            close(ErrorCodes.APP_DISABLED, "Application is disabled");
            return;
        }
        ClientMessage message;
        try {
            message = ctx.decoder().decode(text);
        } catch (ProtocolException e) {
            if (e.code() != 0) {
                transport.send(ServerFrames.error(e.code(), e.getMessage()));
                ctx.debug().connectionError(app.id(), socketId, e.code(), e.getMessage());
            } else {
                error(e.getMessage());
            }
            return;
        }
        switch (message) {
            case ClientMessage.Ping p -> transport.send(ServerFrames.pong());
            case ClientMessage.Pong p -> {}
            case ClientMessage.Subscribe s -> subscribe(s);
            case ClientMessage.Unsubscribe u -> unsubscribe(u.channel());
            case ClientMessage.Signin s -> signin(s);
            case ClientMessage.ClientEvent e -> ClientEvents.handle(this, e);
            case ClientMessage.Unsupported u ->
                error("Unsupported event received on socket: " + ClientText.quote(u.event()));
        }
    }

    /**
     * Cleans up after the transport closed, however it closed. Idempotent.
     *
     * @param code the code it closed with: the server's, the client's, or 1006 when the connection
     *     dropped without one
     */
    public void onClosed(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        ctx.debug().connectionClosed(app.id(), socketId, transport.kind(), code, reason);
        if (signinTimer != null) {
            signinTimer.cancel(false);
        }
        for (Subscription sub : subscriptions.removeAll()) {
            ctx.channels().unsubscribe(sub, this);
        }
        if (userId != null) {
            ctx.users().unwatch(watching);
            ctx.users().signedOut(app.id(), userId, socketId);
        }
        ctx.connections().remove(this);
        ctx.gate().release(app);
        log.debug("closed {} app={}", socketId, app.id());
    }

    /** Closes with a Pusher code (error frame first). */
    public void close(int code, String reason) {
        transport.close(code, reason);
    }

    /** {@link #close} from a thread other than the event loop. */
    void closeFromAnyThread(int code, String reason) {
        eventLoop().execute(() -> close(code, reason));
    }

    // --- subscribe / unsubscribe -----------------------------------------------------------------

    private void subscribe(ClientMessage.Subscribe s) {
        String name = s.channel();
        if (subscriptions.contains(name)) {
            error("Existing subscription to channel " + name);
            return;
        }
        String problem = ChannelNames.problem(name, app.limits().maxChannelNameLength());
        if (problem != null) {
            if (name.length() > app.limits().maxChannelNameLength()) {
                rejected(Limit.MAX_CHANNEL_NAME_LENGTH);
            }
            subscriptionError(name, "InvalidChannel", problem, 400);
            return;
        }
        if (subscriptions.size() >= app.limits().maxChannelsPerConnection()) {
            rejected(Limit.MAX_CHANNELS_PER_CONNECTION);
            subscriptionError(
                    name,
                    "LimitReached",
                    "Connection is subscribed to the maximum of "
                            + app.limits().maxChannelsPerConnection()
                            + " channels",
                    400);
            return;
        }
        ChannelType type = ChannelType.of(name);
        Member member = null;
        switch (type) {
            case PUBLIC, PUBLIC_CACHE -> {}
            case SERVER_TO_USER -> {
                String owner = ChannelNames.serverToUserId(name);
                if (userId == null || !userId.equals(owner)) {
                    subscriptionError(
                            name, "AuthError", "Subscribing to " + name + " requires signing in as " + owner, 403);
                    return;
                }
            }
            case PRESENCE, PRESENCE_CACHE -> {
                member = ChannelAuthorization.presenceMember(this, s);
                if (member == null) {
                    return;
                }
            }
            default -> {
                if (!ChannelAuthorization.signed(this, name, null, s.auth())) {
                    return;
                }
            }
        }
        ChannelKey key = new ChannelKey(app.id(), name);
        Channels.Replay replay = replay(key, s.resumeAfter());
        Subscription sub = ctx.channels()
                .subscribe(
                        key,
                        type,
                        this,
                        member,
                        app.limits().maxPresenceMembers(),
                        replay,
                        result -> subscribed(name, type, result, replay, s.resumeAfter()));
        if (!sub.refused()) {
            subscriptions.put(sub);
        }
    }

    /**
     * What the subscriber is sent of the channel's past: from {@code resume_after} on when it resumes,
     * else the rule's rewind, else only the serial it starts after; {@code null} when no history rule
     * names the channel.
     */
    private Channels.Replay replay(ChannelKey key, long resumeAfter) {
        HistoryRule rule = ctx.channels().historyRule(key);
        if (rule == null) {
            return null;
        }
        return new Channels.Replay(
                rule,
                resumeAfter,
                () -> eventLoop()
                        .execute(() -> close(
                                ErrorCodes.OVER_CAPACITY,
                                "Too many events on " + key.name() + " while its history was being sent")));
    }

    private void subscribed(
            String name, ChannelType type, Channels.Subscribed result, Channels.Replay replay, long resumeAfter) {
        if (closed) {
            return;
        }
        if (result.refused()) {
            Subscription current = subscriptions.get(name);
            if (current != null && current.refused()) {
                subscriptions.remove(name);
            }
            if (type.presence() && !result.failed()) {
                rejected(Limit.MAX_PRESENCE_MEMBERS);
                subscriptionError(
                        name,
                        "LimitReached",
                        "Presence channel " + name + " is full (" + app.limits().maxPresenceMembers() + " members)",
                        ErrorCodes.PRESENCE_FULL_STATUS);
            } else {
                subscriptionError(name, "Unavailable", "Subscription to " + name + " failed", 503);
            }
            return;
        }
        byte[] succeeded = type.presence()
                ? ServerFrames.presenceSubscriptionSucceeded(name, result.members())
                : ServerFrames.subscriptionSucceeded(name);
        long serial = result.serial();
        transport.send(serial >= 0 ? ServerFrames.withSerial(succeeded, serial) : succeeded);
        ctx.debug().subscribed(app.id(), socketId, name);
        if (type.cache()) {
            transport.send(result.cached() != null ? result.cached() : ServerFrames.cacheMiss(name));
        }
        if (replay != null) {
            ctx.channels().replay(result.subscription(), replay, result);
        } else if (resumeAfter >= 0) {
            transport.send(ServerFrames.resumeFailed(name, resumeAfter, 0, 0, "no_history"));
        }
    }

    private void unsubscribe(String name) {
        Subscription sub = subscriptions.remove(name);
        if (sub != null) {
            ctx.channels().unsubscribe(sub, this);
            ctx.debug().unsubscribed(app.id(), socketId, name);
        }
    }

    // --- sign-in -----------------------------------------------------------------------------------

    private void signin(ClientMessage.Signin s) {
        if (!Signatures.verifyAuth(
                app.key(),
                app.verifyingSecrets(System.currentTimeMillis()),
                socketId + "::user::" + s.userData(),
                s.auth())) {
            close(ErrorCodes.UNAUTHORIZED, "Invalid signature for pusher:signin");
            return;
        }
        UserPayloads.UserData data;
        try {
            data = UserPayloads.userData(s.userData());
        } catch (ProtocolException e) {
            close(ErrorCodes.UNAUTHORIZED, e.getMessage());
            return;
        }
        if (data.id().length() > app.limits().maxUserIdLength()) {
            rejected(Limit.MAX_USER_ID_LENGTH);
            close(
                    ErrorCodes.UNAUTHORIZED,
                    "User id is longer than " + app.limits().maxUserIdLength() + " characters");
            return;
        }
        if (userId != null && !userId.equals(data.id())) {
            close(ErrorCodes.UNAUTHORIZED, "Connection is already signed in as another user");
            return;
        }
        boolean first = userId == null;
        userId = data.id();
        userInfo = data.userInfo();
        watchlist = data.watchlist();
        if (signinTimer != null) {
            signinTimer.cancel(false);
            signinTimer = null;
        }
        if (first) {
            // Recorded before the reply: a client that acts on signin_success (closing another
            // connection of the same user, say) must find this one already online.
            ctx.connections().signedIn(this, userId);
            ctx.users().signedIn(app.id(), userId, socketId);
        }
        transport.send(ServerFrames.signinSuccess(s.userData()));
        if (first) {
            startWatching(data.watchlist());
        }
    }

    private void startWatching(List<String> requested) {
        int max = app.limits().maxWatchlistSize();
        List<String> ids = requested.size() > max ? requested.subList(0, max) : requested;
        if (requested.size() > max) {
            rejected(Limit.MAX_WATCHLIST_SIZE);
            transport.send(ServerFrames.error(
                    ErrorCodes.WATCHLIST_LIMIT,
                    "Watchlist limit exceeded: only the first " + max + " user ids are watched"));
        }
        if (!ids.isEmpty()) {
            watching = ctx.users().watch(app.id(), List.copyOf(ids), this, frame -> {
                if (!closed) {
                    transport.send(frame);
                }
            });
        }
    }

    /** The watched user ids from the sign-in, in order. */
    public List<String> watchlist() {
        return watchlist;
    }

    // --- client events ----------------------------------------------------------------------------

    // --- Subscriber ---------------------------------------------------------------------------------

    @Override
    public void deliver(SharedFrame frame) {
        if (!closed) {
            transport.write(frame);
        }
    }

    @Override
    public boolean markUnflushed() {
        if (unflushed) {
            return false;
        }
        unflushed = true;
        return true;
    }

    @Override
    public void flush() {
        unflushed = false;
        transport.flush();
    }

    // --- helpers ----------------------------------------------------------------------------------

    void rejected(Limit limit) {
        ctx.rejections().count(app.id(), limit);
    }

    void error(String message) {
        transport.send(ServerFrames.error(null, message));
        ctx.debug().connectionError(app.id(), socketId, 0, message);
    }

    void subscriptionError(String channel, String type, String message, int status) {
        transport.send(ServerFrames.error(null, message));
        transport.send(ServerFrames.subscriptionError(channel, type, message, status));
        ctx.debug().subscriptionFailed(app.id(), socketId, channel, type, status, message);
    }

    @Override
    public String toString() {
        return "connection " + socketId + " (app " + app.id() + ", " + transport.kind() + ")";
    }
}
