package io.switchboard.transport;

import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;

/** {@code /health} and {@code /ready}, served on the public and the admin listener alike. */
final class HealthRoutes {
    private static final byte[] OK = bytes("{\"status\":\"ok\"}");
    private static final byte[] READY = bytes("{\"status\":\"ready\"}");
    private static final byte[] NOT_READY = bytes("{\"status\":\"not ready\"}");

    private HealthRoutes() {}

    static boolean handles(String path) {
        return path.equals("/health") || path.equals("/ready");
    }

    static void answer(ChannelHandlerContext ctx, boolean keepAlive, String path, ServerContext server) {
        if (path.equals("/health")) {
            HttpResponses.json(ctx, keepAlive, 200, OK);
            return;
        }
        boolean ready = server.ready();
        HttpResponses.json(ctx, keepAlive, ready ? 200 : 503, ready ? READY : NOT_READY);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
