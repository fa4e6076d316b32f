package io.switchboard.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.switchboard.api.ApiRequest;
import io.switchboard.api.ApiResponse;
import io.switchboard.api.RestApi;
import io.switchboard.protocol.ClientText;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each HTTP request: WebSocket upgrades on {@code /app/{key}}, the REST API on {@code
 * /apps/...}, the health endpoints and the resume plugin's script. Shared by every connection.
 */
@ChannelHandler.Sharable
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");

    private final ServerContext server;

    HttpRouter(ServerContext server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (HttpResponses.refused(ctx, request, keepAlive)) {
            return;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        HttpMethod method = request.method();

        if (method.equals(HttpMethod.OPTIONS)) {
            preflight(ctx, keepAlive);
            return;
        }
        if (RestApi.handles(path)) {
            api(ctx, request, keepAlive, path, query);
            return;
        }
        HttpSessions.Route fallback = HttpSessions.route(path);
        if (fallback != null) {
            server.httpSessions().handle(ctx, request, fallback, new QueryStringDecoder(uri).parameters(), keepAlive);
            return;
        }
        String key = WebSocketUpgrade.appKey(path);
        if (key != null) {
            if (isUpgrade(request)) {
                server.webSockets().upgrade(ctx, request, key, new QueryStringDecoder(uri).parameters());
            } else {
                HttpResponses.jsonError(
                        ctx, keepAlive, 400, "Expected a WebSocket upgrade on " + ClientText.quote(path));
            }
            return;
        }
        if (HealthRoutes.handles(path)) {
            HealthRoutes.answer(ctx, keepAlive, path, server);
        } else if (ResumeScript.handles(path)) {
            ResumeScript.answer(ctx, request, keepAlive);
        } else if (path.equals("/")) {
            HttpResponses.json(
                    ctx, keepAlive, 200, bytes("{\"name\":\"switchboard\",\"version\":\"" + server.version() + "\"}"));
        } else {
            HttpResponses.jsonError(ctx, keepAlive, 404, "Not found: " + ClientText.quote(path));
        }
    }

    private void api(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String path, String query) {
        byte[] body = ByteBufUtil.getBytes(request.content());
        ApiRequest apiRequest = new ApiRequest(request.method().name(), path, query, body);
        String method = request.method().name();
        server.requestStarted();
        CompletableFuture<ApiResponse> answer = server.api().handle(apiRequest).toCompletableFuture();
        if (answer.isDone() && ctx.executor().inEventLoop()) {
            // Most requests are answered without waiting (the memory broker): no task hop.
            answer(ctx, keepAlive, method, path, answer);
        } else {
            answer.whenComplete(
                    (response, error) -> ctx.executor().execute(() -> answer(ctx, keepAlive, method, path, answer)));
        }
    }

    private void answer(
            ChannelHandlerContext ctx,
            boolean keepAlive,
            String method,
            String path,
            CompletableFuture<ApiResponse> answer) {
        try {
            ApiResponse response;
            try {
                response = answer.join();
            } catch (CompletionException | CancellationException e) {
                log.warn("REST {} {} failed", method, path, e.getCause() == null ? e : e.getCause());
                HttpResponses.jsonError(ctx, keepAlive, 500, "Internal error");
                return;
            }
            HttpResponses.json(ctx, keepAlive, response.status(), response.body());
        } finally {
            server.requestFinished();
        }
    }

    private static void preflight(ChannelHandlerContext ctx, boolean keepAlive) {
        DefaultFullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        HttpResponses.cors(response.headers());
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "86400");
        HttpUtil.setContentLength(response, 0);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response);
    }

    private static boolean isUpgrade(FullHttpRequest request) {
        return request.method().equals(HttpMethod.GET)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && request.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        HttpSessions.channelClosed(ctx);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        HttpSessions.writabilityChanged(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP connection error: {}", cause.toString());
        ctx.close();
    }
}
