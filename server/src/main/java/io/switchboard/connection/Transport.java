package io.switchboard.connection;

import io.netty.channel.EventLoop;
import io.switchboard.channel.SharedFrame;

/**
 * How a {@link PusherConnection} reaches its client: a WebSocket, or an HTTP fallback session.
 * Every method is called on {@link #eventLoop()}.
 */
public interface Transport {

    EventLoop eventLoop();

    /** Writes one frame (JSON text) and flushes. The array is not modified or kept beyond the call. */
    void send(byte[] json);

    /** Writes a fanned-out frame without flushing; the callee retains what it keeps. */
    void write(SharedFrame frame);

    void flush();

    /**
     * Ends the connection with a Pusher code: sends {@code pusher:error} with it, then closes with
     * the same code and reason. Idempotent.
     */
    void close(int code, String reason);

    /** {@code websocket}, {@code xhr_streaming} or {@code xhr_polling}. */
    String kind();

    /** Whether the client connected over TLS. */
    boolean secure();
}
