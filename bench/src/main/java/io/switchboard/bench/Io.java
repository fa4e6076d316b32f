package io.switchboard.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/** The load generator's event loops: epoll where available (it is on Linux), NIO otherwise. */
public final class Io implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean epoll;

    public Io(int threads) {
        epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(
                threads,
                new DefaultThreadFactory("bench-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    public EventLoopGroup group() {
        return group;
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    /** A client bootstrap on {@code loop} (or the whole group when null) for {@code handler}. */
    public Bootstrap bootstrap(EventLoopGroup loop, ChannelHandler handler) {
        return new Bootstrap()
                .group(loop == null ? group : loop)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(handler);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
