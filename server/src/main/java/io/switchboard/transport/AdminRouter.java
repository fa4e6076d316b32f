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
    private final String adminHost;
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
        this.adminHost = settings.host();
        this.expectedAuthorization =
                settings.requiresToken() ? ("Bearer " + settings.token()).getBytes(StandardCharsets.UTF_8) : null;
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
        if (dashboard != null && Dashboard.handles(path)) {
            dashboard.handle(ctx, request, keepAlive, path, q < 0 ? "" : uri.substring(q + 1));
            return;
        }
        String refusal = browserRefusal(request);
        if (refusal != null) {
            error(ctx, keepAlive, 403, refusal);
            return;
        }
        if (!authorized(request)) {
            error(ctx, keepAlive, 401, "Missing or wrong bearer token (admin.token)");
            return;
        }
        if (api != null && AdminApi.handles(path)) {
            api(ctx, request, keepAlive, path, q < 0 ? "" : uri.substring(q + 1));
            return;
        }
        if (!request.method().equals(HttpMethod.GET)) {
            error(ctx, keepAlive, 405, "Use GET");
            return;
        }
        switch (path) {
            case "/metrics" ->
                HttpResponses.send(
                        ctx,
                        keepAlive,
                        200,
                        "text/plain; version=0.0.4; charset=utf-8",
                        server.metrics().getBytes(StandardCharsets.UTF_8),
                        false);
            case "/health", "/ready" -> HealthRoutes.answer(ctx, keepAlive, path, server);
            default -> error(ctx, keepAlive, 404, "Not found");
        }
    }

    /** Answers on a virtual thread (the API blocks on the app store), then writes on the loop. */
    private void api(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String path, String query) {
        if (!apiSlots.tryAcquire()) {
            error(ctx, keepAlive, 503, "Too many admin requests at once; retry shortly");
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
            ctx.executor()
                    .execute(() -> HttpResponses.send(
                            ctx, keepAlive, answer.status(), "application/json", answer.body(), false));
        });
    }

    /**
     * Why a request that a web browser sent on a page's behalf is refused, or {@code null}. The admin
     * endpoints are for operators' tools and Prometheus, not for pages: a request carrying {@code
     * Origin} or a cross-site {@code Sec-Fetch-Site} is refused, so a page the operator visits
     * cannot drive the admin API. Without a token the listener is loopback-only and the {@code Host}
     * must name it so (a loopback name or {@code admin.host}): a page cannot reach it by rebinding
     * its own domain to 127.0.0.1 either. The dashboard has its own login, origin and CSRF checks.
     */
    private String browserRefusal(FullHttpRequest request) {
        if (request.headers().contains(HttpHeaderNames.ORIGIN)) {
            return "The admin API does not answer requests from web pages (Origin was sent); use the dashboard";
        }
        String site = request.headers().get("Sec-Fetch-Site");
        if (site != null && !site.equals("none") && !site.equals("same-origin")) {
            return "The admin API does not answer requests from web pages; use the dashboard";
        }
        if (expectedAuthorization == null && !loopbackHost(request.headers().get(HttpHeaderNames.HOST))) {
            return "Without admin.token the admin listener answers only requests addressed to a loopback host";
        }
        return null;
    }

    private boolean loopbackHost(String hostHeader) {
        if (hostHeader == null) {
            return true; // HTTP/1.0 tools; browsers always send Host
        }
        String host = hostHeader.startsWith("[")
                ? hostHeader.substring(0, hostHeader.indexOf(']') + 1)
                : (hostHeader.indexOf(':') < 0 ? hostHeader : hostHeader.substring(0, hostHeader.indexOf(':')));
        return host.equalsIgnoreCase("localhost")
                || host.startsWith("127.")
                || host.equals("[::1]")
                || host.equalsIgnoreCase(adminHost);
    }

    private static void error(ChannelHandlerContext ctx, boolean keepAlive, int status, String message) {
        HttpResponses.send(
                ctx,
                keepAlive,
                status,
                "application/json",
                ApiResponse.error(status, message).body(),
                false);
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
