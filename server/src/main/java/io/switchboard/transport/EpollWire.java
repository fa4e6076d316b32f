package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Limits;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain WebSocket on epoll, driven on its socket directly once the upgrade is done: the Netty
 * channel that accepted it and read the HTTP request is deregistered and dropped, and the socket is
 * registered on the same event loop as this handle. A channel with its pipeline, configuration,
 * outbound buffer and addresses is about 1 KB per connection; this handle, Netty's registration of
 * it and the socket object are about 130 B (bench/RESULTS.md, memory per idle connection).
 *
 * <p>It does what the channel did for a WebSocket and nothing else. Reads are level-triggered: up
 * to {@link #MAX_READS} reads per readiness, into pooled buffers from 2 KiB doubling to 64 KiB,
 * and none at all while the transport has paused reading. Writes queue until {@link #flush} and
 * leave in one {@code writev}; what the kernel does not take waits for {@code EPOLLOUT}. The
 * queue counts against the same write-buffer watermarks as a channel's, each frame with the same
 * overhead, so limits and slow-consumer checks behave alike on both wires.
 */
final class EpollWire implements Wire, EpollIoHandle {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");

    private static final int FIRST_READ_BYTES = 2048;
    private static final int MAX_READ_BYTES = 64 * 1024;
    /** Reads per readiness before other sockets of the loop get their turn; the level re-fires. */
    private static final int MAX_READS = 16;
    /** Counted per queued frame besides its bytes, as Netty's outbound buffer counts its entries. */
    private static final int FRAME_OVERHEAD = 96;

    private static final int IN = EpollIoOps.EPOLLIN.value();
    private static final int OUT = EpollIoOps.EPOLLOUT.value();
    private static final int ERR = EpollIoOps.EPOLLERR.value();
    /** {@code EPOLLHUP}: always reported, like {@code EPOLLERR}; not among Netty's named ops. */
    private static final int HUP = 0x10;

    private static final EpollIoOps READ = EpollIoOps.EPOLLIN;
    private static final EpollIoOps WRITE = EpollIoOps.EPOLLOUT;
    private static final EpollIoOps READ_WRITE = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT);
    /**
     * Neither: only errors and hang-ups, reported once. (No ops at all would remove the socket from
     * epoll.)
     */
    private static final EpollIoOps QUIET = EpollIoOps.EPOLLET;

    /** The loop's scratch for {@code writev}. */
    private static final FastThreadLocal<IovArray> IOV = new FastThreadLocal<>() {
        @Override
        protected IovArray initialValue() {
            return new IovArray(Limits.IOV_MAX);
        }

        @Override
        protected void onRemoval(IovArray iov) {
            iov.release();
        }
    };

    private final Socket socket;
    private final EventLoop loop;
    private final ByteBufAllocator alloc;
    private final WriteBufferWaterMark waterMark;
    private final WebSocketTransport transport;

    /** Null until registered, which follows the channel's deregistration. */
    private IoRegistration registration;

    private EpollIoOps submitted;

    /** The queue: its first frame, and the rest when there is more than one. */
    private ByteBuf head;

    private ArrayDeque<ByteBuf> rest;
    private long queued;

    private boolean open = true;
    private boolean writable = true;
    /** The transport wants the client read. */
    private boolean reading;
    /** The kernel took less than was queued: the rest leaves on {@code EPOLLOUT}. */
    private boolean awaitingOut;

    private boolean closeWhenSent;
    /**
     * The channel has let go of the socket (its deregistration is done). Until then the socket is
     * not closed from here: the channel may still be handling an event for it (a hang-up that came
     * with the upgrade request), and it would act on a closed descriptor.
     */
    private boolean letGo;

    private EpollWire(EpollSocketChannel channel, WebSocketTransport transport) {
        this.socket = (Socket) channel.fd();
        this.loop = channel.eventLoop();
        this.alloc = channel.alloc();
        this.waterMark = channel.config().getWriteBufferWaterMark();
        this.transport = transport;
    }

    /** Whether {@link #takeOver} can drive this channel's socket. */
    static boolean canTakeOver(Channel channel) {
        return channel instanceof EpollSocketChannel && channel.eventLoop() instanceof IoEventLoop;
    }

    /**
     * Takes a plain WebSocket's socket from its channel: the channel stops reading and is
     * deregistered, and once it is, the socket is registered as this handle. Writes meanwhile go to
     * the socket at once (it needs no registration for that); the client is read once the transport
     * asks for it and the registration is done.
     *
     * <p>The channel's {@link ChannelWire} stays in its pipeline: whatever the channel still does
     * with the socket (an event it was already handling, such as a hang-up that came with the
     * upgrade request, makes it read on to the end of the stream and close) reaches the transport,
     * and a close by the channel reaches this wire ({@link #closedByChannel}).
     */
    static void takeOver(EpollSocketChannel channel, WebSocketTransport transport) {
        EpollWire wire = new EpollWire(channel, transport);
        transport.wire(wire);
        channel.config().setAutoRead(false);
        channel.deregister().addListener(deregistered -> {
            wire.letGo = true;
            if (deregistered.isSuccess()) {
                wire.register();
            } else {
                log.debug("{}: deregistering its channel failed", wire, deregistered.cause());
                wire.close();
                channel.close();
            }
        });
    }

    private void register() {
        if (!open) {
            closeSocket(); // closed while the channel still held it
            return;
        }
        if (channelClosed()) {
            return;
        }
        ((IoEventLoop) loop).register(this).addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("{}: registering failed", this, f.cause());
                close();
                return;
            }
            registration = (IoRegistration) f.getNow();
            if (!open) {
                registration.cancel();
                return;
            }
            updateOps();
        });
    }

    // --- Wire ----------------------------------------------------------------------------------------

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public long queuedBytes() {
        return queued;
    }

    @Override
    public void write(ByteBuf frame) {
        if (!open || !frame.isReadable()) {
            frame.release();
            return;
        }
        if (!frame.isDirect()) {
            ByteBuf direct = alloc.directBuffer(frame.readableBytes());
            direct.writeBytes(frame);
            frame.release();
            frame = direct;
        }
        if (head == null) {
            head = frame;
        } else {
            if (rest == null) {
                rest = new ArrayDeque<>(4);
            }
            rest.add(frame);
        }
        queued += frame.readableBytes() + FRAME_OVERHEAD;
        if (writable && queued > waterMark.high()) {
            writable = false;
            transport.writabilityChanged();
        }
    }

    @Override
    public void flush() {
        if (open && head != null && !awaitingOut) {
            send();
        }
    }

    @Override
    public void writeAndClose(ByteBuf frame) {
        write(frame);
        if (open) {
            closeWhenSent = true;
            if (head == null) {
                close();
            } else {
                flush();
            }
        }
    }

    @Override
    public void readsPaused(boolean paused) {
        if (open && reading == paused) {
            reading = !paused;
            updateOps();
        }
    }

    @Override
    public void close() {
        end(letGo); // until the channel lets go, register() closes the descriptor
    }

    /**
     * Whether the channel has closed the socket, which it can do until it has let go, or later from
     * a read it had already scheduled; then this wire closes too. Checked before every system call
     * on the descriptor: once closed, its number may already belong to another connection.
     */
    private boolean channelClosed() {
        if (socket.isOpen()) {
            return false;
        }
        closedByChannel();
        return true;
    }

    /** The channel closed the socket (it read the end of the stream, or failed). */
    void closedByChannel() {
        end(false);
    }

    private void end(boolean closeDescriptor) {
        if (!open) {
            return;
        }
        open = false;
        if (registration != null) {
            registration.cancel(); // before the close, while the descriptor is still this socket's
        }
        if (closeDescriptor) {
            closeSocket();
        }
        releaseQueue();
        transport.wireClosed();
    }

    private void closeSocket() {
        try {
            socket.close(); // idempotent: the channel may have closed it already
        } catch (IOException e) {
            log.debug("{}: closing: {}", this, e.toString());
        }
    }

    @Override
    public long lastDataSentMillis(TcpInfo scratch) {
        return channelClosed() ? 0 : scratch.lastDataSentMillis(socket);
    }

    // --- EpollIoHandle -------------------------------------------------------------------------------

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        int ops = ((EpollIoEvent) event).ops().value();
        try {
            if ((ops & OUT) != 0 && open) {
                if (head != null) {
                    send();
                } else {
                    awaitOut(false);
                }
            }
            if (!open) {
                return;
            }
            if (reading && (ops & (IN | ERR | HUP)) != 0) {
                read(); // an error or a hang-up shows as a failed read or the end of the stream
            } else if ((ops & (ERR | HUP)) != 0) {
                log.debug("{}: socket error or hang-up while not reading", this);
                close();
            }
        } catch (RuntimeException e) {
            // As a channel's pipeline would: this connection ends, the loop and its other sockets
            // go on (an exception out of here would stall the whole loop for a second).
            log.warn("{}: closing after an unexpected error", this, e);
            close();
        }
    }

    // --- reading -------------------------------------------------------------------------------------

    private void read() {
        if (channelClosed()) {
            return;
        }
        int size = FIRST_READ_BYTES;
        for (int i = 0; i < MAX_READS && reading && open; i++) {
            ByteBuf buffer = alloc.ioBuffer(size);
            int n;
            try {
                n = receive(buffer);
            } catch (IOException e) {
                buffer.release();
                log.debug("{}: read failed: {}", this, e.toString());
                close();
                return;
            }
            if (n <= 0) {
                buffer.release();
                if (n < 0) {
                    close(); // the client closed its side
                    return;
                }
                break; // nothing more for now
            }
            boolean drained = n < buffer.writableBytes(); // the socket had less than the buffer holds
            buffer.writerIndex(buffer.writerIndex() + n);
            transport.bytesRead(buffer); // the transport owns the buffer from here
            if (drained) {
                break;
            }
            size = Math.min(size << 1, MAX_READ_BYTES);
        }
        if (open) {
            transport.readComplete();
        }
    }

    /** Bytes read, 0 when there are none for now, -1 at the end of the stream. */
    private int receive(ByteBuf buffer) throws IOException {
        int from = buffer.writerIndex();
        if (buffer.hasMemoryAddress()) {
            return socket.recvAddress(buffer.memoryAddress(), from, buffer.capacity());
        }
        ByteBuffer nio = buffer.internalNioBuffer(from, buffer.writableBytes());
        return socket.recv(nio, nio.position(), nio.limit());
    }

    // --- writing -------------------------------------------------------------------------------------

    /** Writes what is queued until it is all gone or the kernel takes no more. */
    private void send() {
        if (channelClosed()) {
            return;
        }
        IovArray iov = IOV.get();
        while (head != null) {
            iov.clear();
            iov.add(head, head.readerIndex(), head.readableBytes());
            if (rest != null) {
                for (ByteBuf frame : rest) {
                    if (!iov.add(frame, frame.readerIndex(), frame.readableBytes())) {
                        break;
                    }
                }
            }
            long written;
            try {
                written = socket.writevAddresses(iov.memoryAddress(0), iov.count());
            } catch (IOException e) {
                log.debug("{}: write failed: {}", this, e.toString());
                close();
                return;
            }
            if (written == 0) {
                awaitOut(true);
                return;
            }
            sent(written);
        }
        awaitOut(false);
        if (!writable && queued < waterMark.low()) {
            writable = true;
            transport.writabilityChanged();
        }
        if (closeWhenSent) {
            close();
        }
    }

    /** Drops what the kernel took from the front of the queue. */
    private void sent(long bytes) {
        while (bytes > 0) {
            int readable = head.readableBytes();
            if (bytes < readable) {
                head.skipBytes((int) bytes);
                queued -= bytes;
                return;
            }
            bytes -= readable;
            queued -= readable + FRAME_OVERHEAD;
            head.release();
            head = rest == null ? null : rest.poll();
        }
        if (head == null) {
            rest = null;
        }
    }

    private void awaitOut(boolean await) {
        if (awaitingOut != await) {
            awaitingOut = await;
            updateOps();
        }
    }

    private void releaseQueue() {
        if (head != null) {
            head.release();
            head = null;
        }
        if (rest != null) {
            for (ByteBuf frame : rest) {
                frame.release();
            }
            rest = null;
        }
        queued = 0;
    }

    /** Tells epoll what this socket waits for now; applied on registration when not registered yet. */
    private void updateOps() {
        if (registration == null || !open || channelClosed()) {
            return;
        }
        EpollIoOps ops = reading ? (awaitingOut ? READ_WRITE : READ) : (awaitingOut ? WRITE : QUIET);
        if (ops != submitted) {
            submitted = ops;
            try {
                registration.submit(ops);
            } catch (RuntimeException e) {
                log.debug("{}: epoll_ctl failed: {}", this, e.toString());
                close();
            }
        }
    }

    @Override
    public String toString() {
        return "socket " + socket.intValue();
    }
}
