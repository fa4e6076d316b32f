package io.switchboard.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal Pusher WebSocket client, written for throughput: it sends the upgrade request itself,
 * then parses frames in place in Netty's read buffer. Frames carrying a bench stamp (see {@link
 * Payload}) go to {@link Listener#onStamp} without creating any object; the rare protocol frames
 * are decoded as text. Client frames are masked with a zero key, which RFC 6455 allows (the server
 * cannot tell) and which leaves the payload unchanged.
 *
 * <p>Opened with {@link #offerDeflate}, it offers permessage-deflate as browsers do and inflates
 * the compressed frames it gets (each on its own: the server takes over no context). {@link
 * #wireBytes} counts every received frame's bytes, header included, as they came.
 */
public final class WsConn extends ByteToMessageDecoder implements Payload.StampSink {
    private static final ByteBuf END_OF_HEADERS =
            Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer("\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    private static final Pattern SOCKET_ID = Pattern.compile("socket_id\\\\?\"\\s*:\\s*\\\\?\"([0-9.]+)");
    private static final Pattern CHANNEL = Pattern.compile("\"channel\"\\s*:\\s*\"([^\"]+)\"");

    /** What happens on a connection; called on its event loop. */
    public interface Listener {
        /** {@code pusher:connection_established} arrived; {@link #socketId()} is set. */
        void onEstablished(WsConn c);

        void onSubscribed(WsConn c, String channel);

        /** A frame carrying a bench stamp. */
        void onStamp(WsConn c, long sendNanos, long seq);

        /** {@code pusher:error} or {@code pusher:subscription_error}. */
        void onError(WsConn c, String frame);

        /** The TCP connection or the upgrade failed, or the connection closed. */
        void onClosed(WsConn c, String why);
    }

    private final Target target;
    private final Listener listener;
    private Channel channel;
    private boolean upgraded;
    private String socketId;
    private boolean closed;
    private boolean deflateNegotiated;

    /** Set before the connection is active: offer permessage-deflate in the upgrade request. */
    public boolean offerDeflate;

    /** Bytes of the frames received after the upgrade, as on the wire. Read from any thread. */
    public volatile long wireBytes;

    /** Free for the scenario's use: an index, the channel, the peer. */
    public int index;

    public String channelName;
    public Object attachment;

    private WsConn(Target target, Listener listener) {
        this.target = target;
        this.listener = listener;
    }

    /** Starts connecting; everything else arrives through {@code listener}. */
    public static WsConn open(Io io, EventLoopGroup loop, Target target, Listener listener, int index) {
        return open(io, loop, target, listener, index, null);
    }

    /** Starts connecting from the local address {@code from} (any when null). */
    public static WsConn open(
            Io io, EventLoopGroup loop, Target target, Listener listener, int index, InetSocketAddress from) {
        return open(io, loop, target, listener, index, from, false);
    }

    /** Starts connecting, offering permessage-deflate when {@code offerDeflate}. */
    public static WsConn open(
            Io io,
            EventLoopGroup loop,
            Target target,
            Listener listener,
            int index,
            InetSocketAddress from,
            boolean offerDeflate) {
        WsConn c = new WsConn(target, listener);
        c.index = index;
        c.offerDeflate = offerDeflate;
        var bootstrap = io.bootstrap(loop, c);
        var remote = new InetSocketAddress(target.host(), target.port());
        (from == null ? bootstrap.connect(remote) : bootstrap.connect(remote, from)).addListener(f -> {
            if (!f.isSuccess()) {
                c.closed("connect failed: " + f.cause());
            }
        });
        return c;
    }

    public String socketId() {
        return socketId;
    }

    public Channel channel() {
        return channel;
    }

    /** Whether the server accepted permessage-deflate. */
    public boolean deflateNegotiated() {
        return deflateNegotiated;
    }

    public boolean isOpen() {
        return channel != null && channel.isActive() && !closed;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        String request = "GET " + target.wsPath() + " HTTP/1.1\r\n"
                + "Host: " + target.host() + ":" + target.port() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: c3dpdGNoYm9hcmRiZW5jaA==\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + (offerDeflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "")
                + "\r\n";
        ctx.writeAndFlush(Unpooled.wrappedBuffer(request.getBytes(StandardCharsets.US_ASCII)));
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed(upgraded ? "closed by server" : "closed before the upgrade");
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void closed(String why) {
        if (!closed) {
            closed = true;
            listener.onClosed(this, why);
        }
    }

    /** Sends one text message. Safe from any thread. */
    public void send(String text) {
        send(text.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Sends one text message, flushing or not. Safe from any thread. */
    public void send(byte[] payload, boolean flush) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        ByteBuf b = textFrame(ch.alloc(), payload);
        if (flush) {
            ch.writeAndFlush(b, ch.voidPromise());
        } else {
            ch.write(b, ch.voidPromise());
        }
    }

    /** A client's WebSocket text frame: masked with a zero key, so the payload goes as is. */
    public static ByteBuf textFrame(ByteBufAllocator alloc, byte[] payload) {
        int len = payload.length;
        ByteBuf b = alloc.buffer(len + 14);
        b.writeByte(0x81);
        if (len < 126) {
            b.writeByte(0x80 | len);
        } else if (len <= 0xFFFF) {
            b.writeByte(0x80 | 126);
            b.writeShort(len);
        } else {
            b.writeByte(0x80 | 127);
            b.writeLong(len);
        }
        b.writeInt(0);
        b.writeBytes(payload);
        return b;
    }

    public void subscribe(String channelName, String auth) {
        this.channelName = channelName;
        send(
                auth == null
                        ? "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channelName + "\"}}"
                        : "{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"" + auth + "\",\"channel\":\""
                                + channelName + "\"}}");
    }

    public void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!upgraded) {
            int end = ByteBufUtil.indexOf(END_OF_HEADERS, in);
            if (end < 0) {
                if (in.readableBytes() > 16384) {
                    closed("no end of the upgrade response");
                    ctx.close();
                }
                return;
            }
            String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.US_ASCII);
            deflateNegotiated =
                    head.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-extensions: permessage-deflate");
            in.readerIndex(end + 4);
            if (!head.startsWith("HTTP/1.1 101")) {
                int eol = head.indexOf('\r');
                closed("upgrade refused: " + (eol > 0 ? head.substring(0, eol) : head));
                ctx.close();
                return;
            }
            upgraded = true;
        }
        while (true) {
            int r = in.readableBytes();
            if (r < 2) {
                return;
            }
            int at = in.readerIndex();
            int b0 = in.getUnsignedByte(at);
            int b1 = in.getUnsignedByte(at + 1);
            int header = 2;
            long len = b1 & 0x7F;
            if (len == 126) {
                if (r < 4) {
                    return;
                }
                len = in.getUnsignedShort(at + 2);
                header = 4;
            } else if (len == 127) {
                if (r < 10) {
                    return;
                }
                len = in.getLong(at + 2);
                header = 10;
            }
            if ((b1 & 0x80) != 0 || len > Integer.MAX_VALUE - 64) {
                closed("bad frame from server");
                ctx.close();
                return;
            }
            if (r < header + len) {
                return;
            }
            int payload = at + header;
            int n = (int) len;
            wireBytes += header + n;
            switch (b0 & 0x0F) {
                case 0x1 -> {
                    if ((b0 & 0x40) != 0) {
                        ByteBuf inflated = inflate(ctx, in, payload, n);
                        try {
                            text(inflated, inflated.readerIndex(), inflated.readableBytes());
                        } finally {
                            inflated.release();
                        }
                    } else {
                        text(in, payload, n);
                    }
                }
                case 0x9 -> pong(in, payload, n);
                case 0x8 -> ctx.close();
                default -> {} // pong, binary, continuation: not sent by the servers under test
            }
            in.readerIndex(payload + n);
        }
    }

    private static final ThreadLocal<java.util.zip.Inflater> INFLATERS =
            ThreadLocal.withInitial(() -> new java.util.zip.Inflater(true));
    private static final byte[] DEFLATE_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    /** A compressed message's payload inflated (RFC 7692 §7.2.2) into a new buffer. */
    private static ByteBuf inflate(ChannelHandlerContext ctx, ByteBuf in, int from, int len) {
        java.util.zip.Inflater inflater = INFLATERS.get();
        inflater.reset();
        byte[] input = new byte[len + 4];
        in.getBytes(from, input, 0, len);
        System.arraycopy(DEFLATE_TAIL, 0, input, len, 4);
        inflater.setInput(input);
        ByteBuf out = ctx.alloc().heapBuffer(len * 4 + 64);
        try {
            while (!inflater.finished() && !inflater.needsInput()) {
                out.ensureWritable(4096);
                int n = inflater.inflate(out.array(), out.arrayOffset() + out.writerIndex(), out.writableBytes());
                out.writerIndex(out.writerIndex() + n);
            }
            return out;
        } catch (java.util.zip.DataFormatException e) {
            out.release();
            throw new IllegalStateException("bad compressed frame from server: " + e.getMessage(), e);
        }
    }

    private void text(ByteBuf in, int from, int len) {
        if (Payload.read(in, from, len, this)) {
            return;
        }
        String text = in.toString(from, len, StandardCharsets.UTF_8);
        if (text.contains("pusher:connection_established")) {
            Matcher m = SOCKET_ID.matcher(text);
            if (m.find()) {
                socketId = m.group(1);
                listener.onEstablished(this);
            } else {
                listener.onError(this, text);
            }
        } else if (text.contains("subscription_succeeded")) {
            Matcher m = CHANNEL.matcher(text);
            listener.onSubscribed(this, m.find() ? m.group(1) : channelName);
        } else if (text.contains("pusher:ping")) {
            send("{\"event\":\"pusher:pong\",\"data\":{}}");
        } else if (text.contains("pusher:error") || text.contains("subscription_error")) {
            listener.onError(this, text);
        }
    }

    private void pong(ByteBuf in, int from, int len) {
        ByteBuf b = channel.alloc().buffer(len + 6);
        b.writeByte(0x8A);
        b.writeByte(0x80 | len);
        b.writeInt(0);
        b.writeBytes(in, from, len);
        channel.writeAndFlush(b, channel.voidPromise());
    }

    @Override
    public void stamp(long sendNanos, long seq) {
        listener.onStamp(this, sendNanos, seq);
    }
}
