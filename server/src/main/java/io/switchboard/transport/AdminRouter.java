package io.switchboard.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.switchboard.admin.AdminApi;
import io.switchboard.api.ApiRequest;
import io.switchboard.api.ApiResponse;
import io.switchboard.config.AdminSettings;
import io.switchboard.dashboard.Dashboard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's routes: {@code /metrics}, {@code /health}, {@code /ready} and the admin API
 * ({@code /admin/v1/...}), behind the configured bearer token when there is one, and the
 * dashboard ({@code /dashboard}, with its own login). Never reachable through the public port.
 */
@ChannelHandler.Sharable
final class AdminRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");

    /** Admin API requests answered at once; more get 503 (each one may wait on the database). */
    private static final int MAX_CONCURRENT_API_REQUESTS = 16;

    private final ServerContext server;
    private final byte[] expectedAuthorization;
    private final AdminApi api;
    private final DashboardHttp dashboard;
    private final Semaphore apiSlots = new Semaphore(MAX_CONCURRENT_API_REQUESTS);
    private final Executor apiExecutor = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param api the admin REST API, or {@code null} to serve only metrics and health
     * @param dashboard the dashboard, or {@code null} when it is off
     */
    AdminRouter(ServerContext server, AdminSettings settings, AdminApi api, Dashboard dashboard) {
        this.server = server;
        this.api = api;
        this.dashboard = dashboard == null ? null : new DashboardHttp(dashboard);
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
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (dashboard != null && Dashboard.handles(path)) {
            dashboard.handle(ctx, request, keepAlive, path, q < 0 ? "" : uri.substring(q + 1));
            return;
        }
        if (!authorized(request)) {
            HttpResponses.jsonError(ctx, keepAlive, 401, "Missing or wrong bearer token (admin.token)");
            return;
        }
        if (api != null && AdminApi.handles(path)) {
            api(ctx, request, keepAlive, path, q < 0 ? "" : uri.substring(q + 1));
            return;
        }
        if (!request.method().equals(HttpMethod.GET)) {
            HttpResponses.jsonError(ctx, keepAlive, 405, "Use GET");
            return;
        }
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

    /** Answers on a virtual thread (the API blocks on the app store), then writes on the loop. */
    private void api(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String path, String query) {
        if (!apiSlots.tryAcquire()) {
            HttpResponses.jsonError(ctx, keepAlive, 503, "Too many admin requests at once; retry shortly");
            return;
        }
        ApiRequest apiRequest =
                new ApiRequest(request.method().name(), path, query, ByteBufUtil.getBytes(request.content()));
        apiExecutor.execute(() -> {
            ApiResponse response;
            try {
                response = api.handle(apiRequest);
            } catch (RuntimeException e) {
                log.warn("admin {} {} failed", apiRequest.method(), path, e);
                response = ApiResponse.error(500, "Internal error");
            } finally {
                apiSlots.release();
            }
            ApiResponse answer = response;
            ctx.executor().execute(() -> HttpResponses.json(ctx, keepAlive, answer.status(), answer.body()));
        });
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
