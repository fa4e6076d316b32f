package io.switchboard.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.concurrent.ThreadFactory;

/** The socket implementation: Linux epoll where available (or io_uring when asked for), NIO elsewhere. */
public record IoTransport(String name, IoHandlerFactory handlers, Class<? extends ServerChannel> serverChannel) {

    /**
     * @param choice {@code auto}, {@code epoll}, {@code io_uring} or {@code nio}
     * @throws IllegalStateException when epoll or io_uring is asked for but unavailable
     */
    public static IoTransport select(String choice) {
        if (choice.equals("io_uring")) {
            if (!IoUring.isAvailable()) {
                throw new IllegalStateException(
                        "server.io is io_uring but io_uring is unavailable: " + IoUring.unavailabilityCause());
            }
            return new IoTransport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class);
        }
        boolean epoll = Epoll.isAvailable();
        if (choice.equals("epoll") && !epoll) {
            throw new IllegalStateException(
                    "server.io is epoll but epoll is unavailable: " + Epoll.unavailabilityCause());
        }
        if (epoll && !choice.equals("nio")) {
            return new IoTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
        }
        return new IoTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, handlers);
    }
}
