package io.switchboard.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import io.switchboard.connection.ConnectionGate;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.SocketIds;
import io.switchboard.protocol.ErrorCodes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrades {@code /app/{key}} requests to WebSockets and admits them. The upgrade always completes,
 * so a refused client gets {@code pusher:error} and a close code it acts on rather than a failed
 * handshake it would retry forever (pusher-protocol.md §1.1).
 */
public final class WebSocketUpgrade {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");

    private final ConnectionGate gate;
    private final PusherConnection.Context context;
    private final SocketIds socketIds;

    private final WebSocketFraming framing;
    private final WebSocketTransport.Limits limits;
    private final LivenessSweep.PerLoop liveness;
    private final BooleanSupplier draining;

    public WebSocketUpgrade(
            ConnectionGate gate,
            PusherConnection.Context context,
            SocketIds socketIds,
            int maxFrameBytes,
            int pongTimeoutSeconds,
            int slowConsumerTimeoutSeconds,
            long maxPendingBytes,
            int stalledReaderTimeoutSeconds,
            WebSocketFraming framing,
            BooleanSupplier draining) {
        this.gate = gate;
        this.context = context;
        this.socketIds = socketIds;
        this.framing = framing;
        this.limits = new WebSocketTransport.Limits(
                slowConsumerTimeoutSeconds,
                maxPendingBytes,
                maxFrameBytes,
                new MessageInflater(maxFrameBytes),
                context.rejections());
        this.liveness =
                new LivenessSweep.PerLoop(context.activityTimeout(), pongTimeoutSeconds, stalledReaderTimeoutSeconds);
        this.draining = draining;
    }

    /** The app key of a WebSocket path ({@code [prefix]/app/{key}}), or {@code null}. */
    static String appKey(String path) {
        int at = path.lastIndexOf("/app/");
        if (at < 0) {
            return null;
        }
        String key = path.substring(at + 5);
        return key.isEmpty() || key.indexOf('/') >= 0 ? null : key;
    }

    void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String key, Map<String, List<String>> query) {
        Channel channel = ctx.channel();
        HttpHeaders headers = request.headers();
        if (!"13".equals(headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            // RFC 6455 §4.4: 426 naming the version this server speaks.
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(channel);
            return;
        }
        String challenge = headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (challenge == null || challenge.isBlank()) {
            HttpResponses.jsonError(ctx, false, 400, "Missing Sec-WebSocket-Key header");
            return;
        }
        boolean secure = channel.pipeline().get(SslHandler.class) != null;
        String offered = headers.get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
        String extensions = gate.allowsCompression(key) ? PerMessageDeflate.accept(offered) : null;
        boolean deflate = extensions != null;
        if (deflate) {
            log.debug("{}: offered {}; answered {}", channel, offered, extensions);
        }
        WebSocketTransport transport = new WebSocketTransport(
                channel.alloc(), secure, limits, liveness.of(channel.eventLoop()), deflate ? framing : null);
        switchPipeline(channel, transport, secure);
        transport.start();
        // Written now, flushed with the first frame when admission is decided at once (one system
        // call for both), or on its own before an admission that waits for the broker.
        transport.handshake(WebSocketHandshake.response(channel.alloc(), challenge, extensions));
        if (draining.getAsBoolean()) {
            transport.close(ErrorCodes.RECONNECT, "Server is shutting down, reconnect");
            transport.admitted(); // reads the client's answer to the close
            return;
        }
        ClientQuery client = ClientQuery.of(query);
        CompletableFuture<ConnectionGate.Admission> admission =
                gate.admit(key, client.protocol(), secure).toCompletableFuture();
        if (admission.isDone() && !admission.isCompletedExceptionally()) {
            admit(transport, key, client, admission.join());
            transport.flush();
            return;
        }
        transport.holdReads();
        transport.flush();
        admission.whenComplete((decided, error) -> transport.eventLoop().execute(() -> {
            if (error != null) {
                log.warn("admitting a connection failed", error);
                transport.close(ErrorCodes.OVER_CAPACITY, "Server error, retry later");
                transport.admitted(); // reads the client's answer to the close
                return;
            }
            admit(transport, key, client, decided);
        }));
    }

    /**
     * From HTTP to WebSocket: the transport's wire, through which it reads and writes frames itself,
     * is all that is left after TLS, and whatever the request reader still held (bytes a client sent
     * right after its request) reaches the transport when the reader leaves. A plain WebSocket on
     * epoll then leaves the channel altogether: its socket is driven directly ({@link EpollWire};
     * bench/RESULTS.md, memory per idle connection).
     */
    private void switchPipeline(Channel channel, WebSocketTransport transport, boolean secure) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(HttpConnectionGuard.class) != null) {
            pipeline.remove(HttpConnectionGuard.class);
        }
        pipeline.remove(HttpRouter.class);
        ChannelWire wire = new ChannelWire(channel, transport);
        transport.wire(wire);
        pipeline.addLast(wire);
        pipeline.remove(ServerResponseEncoder.class);
        pipeline.remove(HttpRequestReader.class);
        if (!secure && EpollWire.canTakeOver(channel)) {
            EpollWire.takeOver((EpollSocketChannel) channel, transport);
        }
    }

    /** Admission is decided: the connection opens, or is told why not and closed. */
    private void admit(
            WebSocketTransport transport, String key, ClientQuery client, ConnectionGate.Admission admission) {
        switch (admission) {
            case ConnectionGate.Refused r -> {
                log.debug("refused connection for key {}: {} {}", key, r.code(), r.message());
                transport.close(r.code(), r.message());
                transport.admitted(); // reads the client's answer to the close
            }
            case ConnectionGate.Admitted a -> {
                if (!transport.isOpen()) {
                    gate.release(a.app());
                    transport.admitted();
                    return;
                }
                PusherConnection connection = new PusherConnection(
                        context, a.app(), socketIds.next(), transport, a.protocol(), client.client(), client.version());
                transport.attach(connection);
                connection.open();
                transport.admitted();
            }
        }
    }
}
