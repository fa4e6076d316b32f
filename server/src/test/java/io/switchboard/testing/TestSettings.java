package io.switchboard.testing;

import io.switchboard.config.ServerSettings;
import java.util.function.Consumer;

/**
 * Changed {@link ServerSettings} for {@code TestServer.start(settings -> ..., apps)}: a mutable copy
 * whose fields a test sets, e.g. {@code s -> TestSettings.change(s, t -> t.pongTimeout = 1)}.
 */
public final class TestSettings {
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

    private TestSettings(ServerSettings s) {
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
    }

    /** {@code s} with what {@code change} sets. */
    public static ServerSettings change(ServerSettings s, Consumer<TestSettings> change) {
        TestSettings t = new TestSettings(s);
        change.accept(t);
        return new ServerSettings(
                t.host,
                t.port,
                t.nodeId,
                t.activityTimeout,
                t.pongTimeout,
                t.maxFrameBytes,
                t.maxRequestBodyBytes,
                t.ioThreads,
                t.io,
                t.writeBufferHighWaterMark,
                t.writeBufferLowWaterMark,
                t.slowConsumerTimeout,
                t.shutdownTimeout);
    }

    /**
     * A shorter graceful-stop bound, for tests that leave HTTP fallback sessions without a receive
     * request (they stay counted until they expire, and a stop waits for them).
     */
    public static ServerSettings shutdownTimeout(ServerSettings s, int seconds) {
        return change(s, t -> t.shutdownTimeout = seconds);
    }

    /** Another socket implementation ({@code server.io}). */
    public static ServerSettings io(ServerSettings s, String io) {
        return change(s, t -> t.io = io);
    }
}
