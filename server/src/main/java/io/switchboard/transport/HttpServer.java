package io.switchboard.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.switchboard.admin.AdminApi;
import io.switchboard.config.AdminSettings;
import io.switchboard.dashboard.Dashboard;
import java.net.InetSocketAddress;

/**
 * The listening socket and the per-connection HTTP pipeline: TLS when configured, the response
 * encoder, the {@link HttpRequestReader} (whole requests, with their limits), the {@link
 * HttpConnectionGuard} (one request at a time, request and idle deadlines) and the router. A
 * WebSocket upgrade replaces all but TLS.
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
                        ServerResponseEncoder encoder = new ServerResponseEncoder();
                        p.addLast(encoder);
                        p.addLast(new HttpRequestReader(limits, encoder));
                        p.addLast(new HttpConnectionGuard(limits));
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
}
