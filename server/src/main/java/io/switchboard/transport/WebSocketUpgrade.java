package io.switchboard.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import io.switchboard.connection.ConnectionGate;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.SocketIds;
import io.switchboard.protocol.ErrorCodes;
import java.util.List;
import java.util.Map;
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
    private final WebSocketDecoderConfig decoderConfig;
    /** For connections that negotiated permessage-deflate: RSV1 is theirs to set. */
    private final WebSocketDecoderConfig deflateDecoderConfig;

    private final WebSocketFraming framing;
    private final MessageInflater inflater;
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
        this.decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameBytes)
                .allowExtensions(false)
                .closeOnProtocolViolation(true)
                .withUTF8Validator(true)
                .build();
        this.deflateDecoderConfig =
                decoderConfig.toBuilder().allowExtensions(true).build();
        this.framing = framing;
        this.inflater = new MessageInflater(maxFrameBytes);
        this.limits = new WebSocketTransport.Limits(slowConsumerTimeoutSeconds, maxPendingBytes, context.rejections());
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
        boolean secure = channel.pipeline().get(SslHandler.class) != null;
        String scheme = secure ? "wss://" : "ws://";
        String offered = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
        String extensions = gate.allowsCompression(key) ? PerMessageDeflate.accept(offered) : null;
        boolean deflate = extensions != null;
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                        scheme + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri(),
                        null,
                        deflate ? deflateDecoderConfig : decoderConfig)
                .newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(channel);
            return;
        }
        WebSocketTransport transport = new WebSocketTransport(
                channel, secure, limits, liveness.of(channel.eventLoop()), deflate ? framing : null);
        channel.config().setAutoRead(false);
        HttpHeaders answer = null;
        if (deflate) {
            answer = new DefaultHttpHeaders().set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, extensions);
            log.debug("{}: offered {}; answered {}", channel, offered, extensions);
        }
        handshaker.handshake(channel, request, answer, channel.newPromise()).addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("WebSocket handshake failed: {}", f.cause().toString());
                channel.close();
                return;
            }
            var pipeline = channel.pipeline();
            pipeline.remove(HttpRouter.class);
            if (deflate) {
                // Whole messages are inflated, then checked as text.
                pipeline.addLast(new WebSocketFrameAggregator(decoderConfig.maxFramePayloadLength()));
                pipeline.addLast(inflater);
                pipeline.addLast(new Utf8FrameValidator(true));
            } else {
                pipeline.addLast(new Utf8FrameValidator(true));
                pipeline.addLast(new WebSocketFrameAggregator(decoderConfig.maxFramePayloadLength()));
            }
            pipeline.addLast(transport);
            admit(channel, transport, key, query, secure);
        });
    }

    private void admit(
            Channel channel,
            WebSocketTransport transport,
            String key,
            Map<String, List<String>> query,
            boolean secure) {
        if (draining.getAsBoolean()) {
            transport.close(ErrorCodes.RECONNECT, "Server is shutting down, reconnect");
            return;
        }
        ClientQuery client = ClientQuery.of(query);
        gate.admit(key, client.protocol(), secure)
                .whenComplete((admission, error) -> channel.eventLoop().execute(() -> {
                    transport.admitted();
                    if (error != null) {
                        log.warn("admitting a connection failed", error);
                        transport.close(ErrorCodes.OVER_CAPACITY, "Server error, retry later");
                        return;
                    }
                    switch (admission) {
                        case ConnectionGate.Refused r -> {
                            log.debug("refused connection for key {}: {} {}", key, r.code(), r.message());
                            transport.close(r.code(), r.message());
                        }
                        case ConnectionGate.Admitted a -> {
                            if (!channel.isActive()) {
                                gate.release(a.app());
                                return;
                            }
                            PusherConnection connection = new PusherConnection(
                                    context,
                                    a.app(),
                                    socketIds.next(),
                                    transport,
                                    a.protocol(),
                                    client.client(),
                                    client.version());
                            transport.attach(connection);
                            connection.open();
                        }
                    }
                }));
    }
}
