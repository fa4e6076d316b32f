package io.switchboard.transport;

import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel's {@code TCP_INFO} for a socket ({@code getsockopt(IPPROTO_TCP, TCP_INFO)}), read into
 * one buffer per event loop. Only the field the stalled-reader check needs is read.
 */
final class TcpInfo {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    /** {@code sizeof(struct tcp_info)} up to and including {@code tcpi_last_ack_recv}. */
    private static final int LENGTH = 60;
    /** {@code offsetof(struct tcp_info, tcpi_last_data_sent)}: milliseconds. */
    private static final int LAST_DATA_SENT = 44;

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(LENGTH).order(ByteOrder.nativeOrder());

    /** Milliseconds since the kernel last sent data on {@code socket}; 0 when the call fails. */
    long lastDataSentMillis(Socket socket) {
        buffer.clear();
        try {
            socket.getRawOpt(IPPROTO_TCP, TCP_INFO, buffer);
        } catch (IOException e) {
            return 0; // the socket is going away; its close is handled elsewhere
        }
        return Integer.toUnsignedLong(buffer.getInt(LAST_DATA_SENT));
    }
}
