package io.switchboard.transport;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AttributeKey;
import io.switchboard.connection.ConnectionGate;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.SocketIds;
import io.switchboard.metrics.Limit;
import io.switchboard.protocol.ErrorCodes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pusher-js HTTP fallback endpoints: {@code [httpPath]/app/{key}/{server}/{session}/}{@code
 * xhr_streaming}, {@code xhr} and {@code xhr_send} (pusher-protocol.md §9). Owns the live sessions.
 */
public final class HttpSessions {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");
    static final AttributeKey<HttpSession> SESSION = AttributeKey.valueOf("switchboard.session");
    private static final Pattern ROUTE = Pattern.compile(".*/app/([^/]+)/([^/]+)/([^/]+)/(xhr_streaming|xhr_send|xhr)");
    private static final JsonFactory JSON = new JsonFactory();

    private final ConnectionGate gate;
    private final PusherConnection.Context context;
    private final SocketIds socketIds;
    private final HttpSession.Settings settings;
    private final BooleanSupplier draining;
    private final int maxSessionsPerAddress;
    private final Map<String, HttpSession> sessions = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> sessionsByAddress = new ConcurrentHashMap<>();

    public HttpSessions(
            ConnectionGate gate,
            PusherConnection.Context context,
            SocketIds socketIds,
            int pongTimeoutSeconds,
            long maxQueuedBytes,
            int disconnectDelaySeconds,
            int maxSessionsPerAddress,
            BooleanSupplier draining) {
        this.gate = gate;
        this.context = context;
        this.socketIds = socketIds;
        this.settings = new HttpSession.Settings(
                25_000,
                disconnectDelaySeconds * 1000L,
                (context.activityTimeout() + pongTimeoutSeconds) * 1000L,
                maxQueuedBytes);
        this.maxSessionsPerAddress = maxSessionsPerAddress;
        this.draining = draining;
    }

    /** A request path split into its parts, or {@code null} when it is not a fallback path. */
    record Route(String key, String session, String type) {}

    static Route route(String path) {
        Matcher m = ROUTE.matcher(path);
        if (!m.matches()) {
            return null;
        }
        return new Route(m.group(1), m.group(1) + "/" + m.group(2) + "/" + m.group(3), m.group(4));
    }

    /** Open sessions on this node. */
    public int size() {
        return sessions.size();
    }

    void handle(
            ChannelHandlerContext ctx,
            io.netty.handler.codec.http.FullHttpRequest request,
            Route route,
            Map<String, List<String>> query,
            boolean keepAlive) {
        if (!request.method().equals(HttpMethod.POST)) {
            HttpResponses.jsonError(ctx, keepAlive, 405, "Use POST for " + route.type());
            return;
        }
        HttpSession session = sessions.get(route.session());
        if (route.type().equals("xhr_send")) {
            send(ctx, request, session, keepAlive);
            return;
        }
        HttpSession.Mode mode = route.type().equals("xhr") ? HttpSession.Mode.POLLING : HttpSession.Mode.STREAMING;
        if (session != null) {
            if (session.mode() != mode) {
                HttpResponses.jsonError(ctx, keepAlive, 400, "This session is " + session.kind());
                return;
            }
            session.eventLoop().execute(() -> session.receive(ctx, keepAlive));
            return;
        }
        open(ctx, route, mode, query, keepAlive);
    }

    private void open(
            ChannelHandlerContext ctx,
            Route route,
            HttpSession.Mode mode,
            Map<String, List<String>> query,
            boolean keepAlive) {
        boolean secure = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
        if (draining.getAsBoolean()) {
            refuse(ctx, keepAlive, ErrorCodes.RECONNECT, "Server is shutting down, reconnect");
            return;
        }
        InetAddress address = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        if (!reserve(address)) {
            log.debug("refused an HTTP session from {}: {} open already", address, maxSessionsPerAddress);
            rejected(null, Limit.MAX_FALLBACK_SESSIONS_PER_ADDRESS);
            refuse(
                    ctx,
                    keepAlive,
                    ErrorCodes.OVER_CAPACITY,
                    "Too many HTTP fallback sessions from this address, retry later");
            return;
        }
        ClientQuery client = ClientQuery.of(query);
        gate.admit(route.key(), client.protocol(), secure)
                .whenComplete((admission, error) -> ctx.executor().execute(() -> {
                    if (error != null) {
                        log.warn("admitting an HTTP session failed", error);
                        release(address);
                        refuse(ctx, keepAlive, ErrorCodes.OVER_CAPACITY, "Server error, retry later");
                        return;
                    }
                    switch (admission) {
                        case ConnectionGate.Refused r -> {
                            release(address);
                            refuse(ctx, keepAlive, r.code(), r.message());
                        }
                        case ConnectionGate.Admitted a -> {
                            HttpSession session = new HttpSession(
                                    route.session(), address, ctx.channel().eventLoop(), mode, secure, settings, this);
                            if (sessions.putIfAbsent(route.session(), session) != null) {
                                gate.release(a.app());
                                release(address);
                                session.destroy();
                                HttpResponses.jsonError(ctx, keepAlive, 409, "This session already exists");
                                return;
                            }
                            PusherConnection connection = new PusherConnection(
                                    context,
                                    a.app(),
                                    socketIds.next(),
                                    session,
                                    a.protocol(),
                                    client.client(),
                                    client.version());
                            session.attach(connection);
                            session.receive(ctx, keepAlive);
                            connection.open();
                        }
                    }
                }));
    }

    /** Counts a refusal or close caused by a limit. */
    void rejected(String appId, Limit limit) {
        context.rejections().count(appId, limit);
    }

    /** Refuses a new session the way pusher-js understands: open, then close with the code. */
    private static void refuse(ChannelHandlerContext ctx, boolean keepAlive, int code, String reason) {
        byte[] close = FallbackFrames.close(code, reason);
        byte[] body = new byte[FallbackFrames.OPEN.length + close.length];
        System.arraycopy(FallbackFrames.OPEN, 0, body, 0, FallbackFrames.OPEN.length);
        System.arraycopy(close, 0, body, FallbackFrames.OPEN.length, close.length);
        HttpResponses.send(ctx, keepAlive, 200, "application/javascript; charset=UTF-8", body);
    }

    private void send(
            ChannelHandlerContext ctx,
            io.netty.handler.codec.http.FullHttpRequest request,
            HttpSession session,
            boolean keepAlive) {
        if (session == null) {
            HttpResponses.jsonError(ctx, keepAlive, 404, "Unknown session");
            return;
        }
        List<String> messages;
        try {
            messages = messages(request.content().toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            HttpResponses.jsonError(ctx, keepAlive, 400, "Body must be a JSON array of message strings");
            return;
        }
        session.eventLoop().execute(() -> session.received(messages));
        HttpResponses.send(ctx, keepAlive, 204, "text/plain; charset=UTF-8", new byte[0]);
    }

    /** The body of {@code xhr_send}: a JSON array of strings, each one Pusher message. */
    static List<String> messages(String body) throws IOException {
        List<String> out = new ArrayList<>();
        if (body.isBlank()) {
            return out;
        }
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("not an array");
            }
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.VALUE_STRING) {
                    throw new IOException("not a string");
                }
                out.add(p.getText());
            }
            if (p.nextToken() != null) {
                throw new IOException("trailing data");
            }
        }
        return out;
    }

    void remove(HttpSession session) {
        if (sessions.remove(session.id(), session)) {
            release(session.address());
        }
    }

    /**
     * Counts a new session against its address's cap ({@code max_fallback_sessions_per_address});
     * false when the address is at the cap. Every true is matched by one {@link #release}.
     */
    private boolean reserve(InetAddress address) {
        if (maxSessionsPerAddress == 0 || address == null) {
            return true;
        }
        boolean[] reserved = {false};
        sessionsByAddress.compute(address, (a, open) -> {
            int count = open == null ? 0 : open;
            if (count >= maxSessionsPerAddress) {
                return open;
            }
            reserved[0] = true;
            return count + 1;
        });
        return reserved[0];
    }

    private void release(InetAddress address) {
        if (maxSessionsPerAddress == 0 || address == null) {
            return;
        }
        sessionsByAddress.computeIfPresent(address, (a, open) -> open <= 1 ? null : open - 1);
    }

    /** Tells the session whose receive request was on this connection that it closed. */
    static void channelClosed(ChannelHandlerContext ctx) {
        HttpSession session = ctx.channel().attr(SESSION).getAndSet(null);
        if (session != null) {
            session.eventLoop().execute(() -> session.receiverClosed(ctx));
        }
    }

    /** Drains a streaming session whose receive channel became writable again. */
    static void writabilityChanged(ChannelHandlerContext ctx) {
        HttpSession session = ctx.channel().attr(SESSION).get();
        if (session != null && ctx.channel().isWritable()) {
            session.eventLoop().execute(session::writable);
        }
    }
}
