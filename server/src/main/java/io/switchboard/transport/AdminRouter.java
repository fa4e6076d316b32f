package io.switchboard.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.switchboard.config.AdminSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's routes: {@code /metrics}, {@code /health} and {@code /ready}, behind the
 * configured bearer token when there is one. Never reachable through the public port.
 */
@ChannelHandler.Sharable
final class AdminRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");

    private final ServerContext server;
    private final byte[] expectedAuthorization;

    AdminRouter(ServerContext server, AdminSettings settings) {
        this.server = server;
        this.expectedAuthorization =
                settings.requiresToken() ? ("Bearer " + settings.token()).getBytes(StandardCharsets.UTF_8) : null;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            HttpResponses.jsonError(ctx, false, 400, "Malformed HTTP request");
            return;
        }
        if (!authorized(request)) {
            HttpResponses.jsonError(ctx, keepAlive, 401, "Missing or wrong bearer token (admin.token)");
            return;
        }
        if (!request.method().equals(HttpMethod.GET)) {
            HttpResponses.jsonError(ctx, keepAlive, 405, "Use GET");
            return;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        switch (path) {
            case "/metrics" ->
                HttpResponses.send(
                        ctx,
                        keepAlive,
                        200,
                        "text/plain; version=0.0.4; charset=utf-8",
                        server.metrics().getBytes(StandardCharsets.UTF_8));
            case "/health", "/ready" -> HealthRoutes.answer(ctx, keepAlive, path, server);
            default -> HttpResponses.jsonError(ctx, keepAlive, 404, "Not found");
        }
    }

    /** Compares the whole header in constant time, so its timing tells nothing about the token. */
    private boolean authorized(FullHttpRequest request) {
        if (expectedAuthorization == null) {
            return true;
        }
        String given = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        return given != null && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection error: {}", cause.toString());
        ctx.close();
    }
}
