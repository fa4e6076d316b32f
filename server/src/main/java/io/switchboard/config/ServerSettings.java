package io.switchboard.config;

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
        int shutdownTimeout) {

    public static final ServerSettings DEFAULTS = new ServerSettings(
            "0.0.0.0", 6001, "", 120, 30, 64 * 1024, 1024 * 1024, 0, "auto", 1024 * 1024, 512 * 1024, 10, 10);

    public ServerSettings withNodeId(String newNodeId) {
        return new ServerSettings(
                host,
                port,
                newNodeId,
                activityTimeout,
                pongTimeout,
                maxFrameBytes,
                maxRequestBodyBytes,
                ioThreads,
                io,
                writeBufferHighWaterMark,
                writeBufferLowWaterMark,
                slowConsumerTimeout,
                shutdownTimeout);
    }

    public ServerSettings withPort(int newPort) {
        return new ServerSettings(
                host,
                newPort,
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
                shutdownTimeout);
    }
}
