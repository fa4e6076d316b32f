package io.switchboard.testing;

import io.switchboard.config.ServerSettings;
import java.util.function.Consumer;

/**
 * Changed {@link ServerSettings} for {@code TestServer.start(settings -> ..., apps)}, e.g. {@code s
 * -> TestSettings.change(s, t -> t.pongTimeout = 1)}.
 */
public final class TestSettings {
    private TestSettings() {}

    /** {@code s} with what {@code change} sets. */
    public static ServerSettings change(ServerSettings s, Consumer<ServerSettings.Copy> change) {
        return s.change(change);
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
