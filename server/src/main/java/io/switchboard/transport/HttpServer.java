package io.switchboard.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;
import io.switchboard.admin.AdminApi;
import io.switchboard.config.AdminSettings;
import io.switchboard.dashboard.Dashboard;
import io.switchboard.metrics.Limit;
import io.switchboard.metrics.LimitRejections;
import java.net.InetSocketAddress;

/**
 * The listening socket and the per-connection HTTP pipeline: TLS when configured, the codec, the
 * {@link HttpConnectionGuard} (one request at a time, request and idle deadlines), the aggregator
 * and the router. A WebSocket upgrade replaces all but TLS.
 */
public final class HttpServer {
    private final Channel channel;

    /**
     * Binds and starts accepting.
     *
     * @param sslContext TLS for this listener, or {@code null} for plain HTTP/WS
     */
    public static HttpServer bind(
            IoTransport io,
            EventLoopGroup boss,
            EventLoopGroup workers,
            String host,
            int port,
            ChannelHandler router,
            HttpLimits limits,
            WriteBufferWaterMark waterMark,
            SslContext sslContext)
            throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(io.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // TCP_NODELAY is already on for every accepted socket (epoll, io_uring and NIO turn it
                // on by default); setting it again would cost a system call per connection.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                // One allocator for every connection, and one sizing handle per event loop where the
                // transport allows it: bench/RESULTS.md, memory per idle connection.
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, LoopReceiveBuffers.forTransport(io))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        var p = ch.pipeline();
                        if (sslContext != null) {
                            p.addLast(sslContext.newHandler(ch.alloc()));
                        }
                        p.addLast(new HttpServerCodec(8192, 16384, 8192));
                        p.addLast(new HttpConnectionGuard(limits));
                        p.addLast(new JsonOversizeAggregator(limits));
                        p.addLast(router);
                    }
                });
        Channel channel =
                bootstrap.bind(new InetSocketAddress(host, port)).sync().channel();
        return new HttpServer(channel);
    }

    private HttpServer(Channel channel) {
        this.channel = channel;
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The public routes: WebSocket upgrades, HTTP fallback sessions, the REST API, health. */
    public static ChannelHandler publicRoutes(ServerContext context) {
        return new HttpRouter(context);
    }

    /** The admin routes: metrics and health, behind the admin token when one is set. */
    public static ChannelHandler adminRoutes(ServerContext context, AdminSettings settings) {
        return new AdminRouter(context, settings, null, null);
    }

    /**
     * The admin routes with the admin API ({@code /admin/v1}) and, unless {@code dashboard} is
     * {@code null}, the dashboard ({@code /dashboard}).
     */
    public static ChannelHandler adminRoutes(
            ServerContext context, AdminSettings settings, AdminApi api, Dashboard dashboard) {
        return new AdminRouter(context, settings, api, dashboard);
    }

    /** Stops accepting new connections; open ones are untouched. */
    public void stopAccepting() {
        channel.close().syncUninterruptibly();
    }

    /**
     * Answers a too-large body with a JSON 413 instead of an empty one. As Netty's own handler does,
     * a keep-alive request whose body has not been read yet keeps its connection: the aggregator
     * discards the rest of the body. Closing instead would reset a connection with unread input,
     * and the client could lose the 413.
     */
    private static final class JsonOversizeAggregator extends HttpObjectAggregator {
        private final int max;
        private final LimitRejections rejections;

        JsonOversizeAggregator(HttpLimits limits) {
            super(limits.maxRequestBodyBytes);
            this.max = limits.maxRequestBodyBytes;
            this.rejections = limits.rejections;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            rejections.count(null, Limit.MAX_REQUEST_BODY_BYTES);
            boolean keepOpen = !(oversized instanceof FullHttpMessage)
                    && (HttpUtil.is100ContinueExpected(oversized) || HttpUtil.isKeepAlive(oversized));
            HttpResponses.jsonError(ctx, keepOpen, 413, "Request body is larger than " + max + " bytes");
        }
    }
}
