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
import java.util.concurrent.ThreadFactory;

/** The socket implementation: Linux epoll where available, NIO everywhere else. */
public record IoTransport(String name, IoHandlerFactory handlers, Class<? extends ServerChannel> serverChannel) {

    /**
     * @param choice {@code auto}, {@code epoll} or {@code nio}
     * @throws IllegalStateException when epoll is asked for but unavailable
     */
    public static IoTransport select(String choice) {
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
