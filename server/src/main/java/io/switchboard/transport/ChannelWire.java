package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.Socket;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket's {@link Wire} through its Netty channel: the only handler of the pipeline after TLS,
 * so frames written from here reach only TLS (if any). Used where the socket cannot be driven
 * directly: TLS, NIO and io_uring. A plain WebSocket on epoll passes through it only for what the
 * channel reads before and while handing its socket over to an {@link EpollWire}.
 */
final class ChannelWire extends ChannelInboundHandlerAdapter implements Wire {
    private final Channel channel;
    private final WebSocketTransport transport;
    private ChannelHandlerContext ctx;

    ChannelWire(Channel channel, WebSocketTransport transport) {
        this.channel = channel;
        this.transport = transport;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public long queuedBytes() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    @Override
    public void write(ByteBuf frame) {
        ctx.write(frame, ctx.voidPromise());
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void writeAndClose(ByteBuf frame) {
        ctx.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void readsPaused(boolean paused) {
        if (paused || channel.isActive()) {
            channel.config().setAutoRead(!paused);
        }
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public long lastDataSentMillis(TcpInfo scratch) {
        return channel instanceof EpollSocketChannel epoll ? scratch.lastDataSentMillis((Socket) epoll.fd()) : -1;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            transport.bytesRead(bytes);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        transport.readComplete();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        transport.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (transport.wire() instanceof EpollWire taken) {
            taken.closedByChannel(); // the socket was handed over, and the channel closed it first
        } else {
            transport.wireClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        transport.wireFailed(cause);
    }

    @Override
    public String toString() {
        return channel.id().asShortText();
    }
}
