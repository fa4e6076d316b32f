package io.switchboard.config;

import java.util.function.Consumer;

/**
 * Process-wide settings (the {@code server:} section).
 *
 * @param host address to listen on
 * @param port port for WebSocket, HTTP fallback, REST and health endpoints
 * @param nodeId this process's id; generated when empty
 * @param activityTimeout seconds announced to clients and of silence before the server pings
 * @param pongTimeout seconds to wait for any frame after a ping before closing with 4201
 * @param maxFrameBytes largest WebSocket message accepted; larger ones close with 1009
 * @param maxRequestBodyBytes largest REST request body; larger ones get 413
 * @param ioThreads event-loop threads; 0 means one per core
 * @param io {@code auto}, {@code epoll}, {@code io_uring} or {@code nio}
 * @param writeBufferHighWaterMark bytes queued to one client before it counts as slow
 * @param writeBufferLowWaterMark bytes queued below which a slow client counts as caught up
 * @param slowConsumerTimeout seconds a client may stay above the high-water mark before it is
 *     closed with 4100
 * @param shutdownTimeout seconds graceful shutdown may take
 * @param shutdownSpread seconds over which a graceful stop spreads its 4200 closes, so that the
 *     clients of a stopping node do not all reconnect elsewhere in the same second
 * @param requestTimeout seconds a client has to send a complete HTTP request (headers and body),
 *     from the connection's start or the end of the previous response
 * @param idleTimeout seconds a keep-alive HTTP connection may stay silent between requests
 * @param stalledReaderTimeout seconds a WebSocket client may leave sent data unread (queued in
 *     the server or unacknowledged in the kernel) before it is closed with 4100
 * @param fallbackDisconnectDelay seconds an HTTP fallback session may go without a receive
 *     request before it counts as disconnected
 * @param maxFallbackSessionsPerAddress HTTP fallback sessions one client address may hold open;
 *     0 means unlimited
 */
public record ServerSettings(
        String host,
        int port,
        String nodeId,
        int activityTimeout,
        int pongTimeout,
        int maxFrameBytes,
        int maxRequestBodyBytes,
        int ioThreads,
        String io,
        int writeBufferHighWaterMark,
        int writeBufferLowWaterMark,
        int slowConsumerTimeout,
        int shutdownTimeout,
        int shutdownSpread,
        int requestTimeout,
        int idleTimeout,
        int stalledReaderTimeout,
        int fallbackDisconnectDelay,
        int maxFallbackSessionsPerAddress) {

    public static final ServerSettings DEFAULTS = new ServerSettings(
            "0.0.0.0",
            6001,
            "",
            120,
            30,
            64 * 1024,
            1024 * 1024,
            0,
            "auto",
            1024 * 1024,
            512 * 1024,
            10,
            10,
            5,
            10,
            60,
            30,
            5,
            64);

    /** The address to listen on when nothing is configured and the demo app is served. */
    public static final String DEMO_HOST = "127.0.0.1";

    public ServerSettings withNodeId(String newNodeId) {
        return change(c -> c.nodeId = newNodeId);
    }

    ServerSettings withHost(String newHost) {
        return change(c -> c.host = newHost);
    }

    public ServerSettings withPort(int newPort) {
        return change(c -> c.port = newPort);
    }

    /** A copy with what {@code change} sets on a mutable {@link Copy}, e.g. {@code c -> c.port = 0}. */
    public ServerSettings change(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.settings();
    }

    /** The settings as mutable fields, for {@link #change}. */
    public static final class Copy {
        public String host;
        public int port;
        public String nodeId;
        public int activityTimeout;
        public int pongTimeout;
        public int maxFrameBytes;
        public int maxRequestBodyBytes;
        public int ioThreads;
        public String io;
        public int writeBufferHighWaterMark;
        public int writeBufferLowWaterMark;
        public int slowConsumerTimeout;
        public int shutdownTimeout;
        public int shutdownSpread;
        public int requestTimeout;
        public int idleTimeout;
        public int stalledReaderTimeout;
        public int fallbackDisconnectDelay;
        public int maxFallbackSessionsPerAddress;

        private Copy(ServerSettings s) {
            host = s.host();
            port = s.port();
            nodeId = s.nodeId();
            activityTimeout = s.activityTimeout();
            pongTimeout = s.pongTimeout();
            maxFrameBytes = s.maxFrameBytes();
            maxRequestBodyBytes = s.maxRequestBodyBytes();
            ioThreads = s.ioThreads();
            io = s.io();
            writeBufferHighWaterMark = s.writeBufferHighWaterMark();
            writeBufferLowWaterMark = s.writeBufferLowWaterMark();
            slowConsumerTimeout = s.slowConsumerTimeout();
            shutdownTimeout = s.shutdownTimeout();
            shutdownSpread = s.shutdownSpread();
            requestTimeout = s.requestTimeout();
            idleTimeout = s.idleTimeout();
            stalledReaderTimeout = s.stalledReaderTimeout();
            fallbackDisconnectDelay = s.fallbackDisconnectDelay();
            maxFallbackSessionsPerAddress = s.maxFallbackSessionsPerAddress();
        }

        private ServerSettings settings() {
            return new ServerSettings(
                    host,
                    port,
                    nodeId,
                    activityTimeout,
                    pongTimeout,
                    maxFrameBytes,
                    maxRequestBodyBytes,
                    ioThreads,
                    io,
                    writeBufferHighWaterMark,
                    writeBufferLowWaterMark,
                    slowConsumerTimeout,
                    shutdownTimeout,
                    shutdownSpread,
                    requestTimeout,
                    idleTimeout,
                    stalledReaderTimeout,
                    fallbackDisconnectDelay,
                    maxFallbackSessionsPerAddress);
        }
    }
}
