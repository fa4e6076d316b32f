package io.switchboard.testing;

import io.switchboard.config.ServerSettings;

/** Changed {@link ServerSettings} for {@code TestServer.start(settings -> ..., apps)}. */
public final class TestSettings {
    private TestSettings() {}

    /**
     * A shorter graceful-stop bound, for tests that leave HTTP fallback sessions without a receive
     * request (they stay counted until they expire, and a stop waits for them).
     */
    public static ServerSettings shutdownTimeout(ServerSettings s, int seconds) {
        return new ServerSettings(
                s.host(),
                s.port(),
                s.nodeId(),
                s.activityTimeout(),
                s.pongTimeout(),
                s.maxFrameBytes(),
                s.maxRequestBodyBytes(),
                s.ioThreads(),
                s.io(),
                s.writeBufferHighWaterMark(),
                s.writeBufferLowWaterMark(),
                s.slowConsumerTimeout(),
                seconds);
    }

    /** Another socket implementation ({@code server.io}). */
    public static ServerSettings io(ServerSettings s, String io) {
        return new ServerSettings(
                s.host(),
                s.port(),
                s.nodeId(),
                s.activityTimeout(),
                s.pongTimeout(),
                s.maxFrameBytes(),
                s.maxRequestBodyBytes(),
                s.ioThreads(),
                io,
                s.writeBufferHighWaterMark(),
                s.writeBufferLowWaterMark(),
                s.slowConsumerTimeout(),
                s.shutdownTimeout());
    }
}
