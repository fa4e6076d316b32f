package io.switchboard.connection;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.channel.ClusterState;
import io.switchboard.metrics.Limit;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.protocol.ErrorCodes;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a new connection may open (pusher-protocol.md §1.1) and reserves its place in
 * the app's connection quota. A refused connection still completes its transport handshake, then
 * gets {@code pusher:error} and a close with the code, which is what clients act on.
 */
public final class ConnectionGate {
    private final AppRegistry apps;
    private final ClusterState cluster;
    private final LimitRejections rejections;

    public ConnectionGate(AppRegistry apps, ClusterState cluster, LimitRejections rejections) {
        this.apps = apps;
        this.cluster = cluster;
        this.rejections = rejections;
    }

    public sealed interface Admission {}

    /** Admitted; the caller owns one connection slot and must {@link #release} it on close. */
    public record Admitted(App app, int protocol) implements Admission {}

    public record Refused(int code, String message) implements Admission {}

    /**
     * @param key the app key from the path
     * @param protocol the {@code protocol} query parameter, or {@code null} when absent
     * @param secure whether the client connected over TLS
     */
    public CompletionStage<Admission> admit(String key, String protocol, boolean secure) {
        App app = apps.byKey(key);
        if (app == null) {
            return refuse(ErrorCodes.APP_NOT_FOUND, "Application does not exist");
        }
        if (!app.enabled()) {
            return refuse(ErrorCodes.APP_DISABLED, "Application is disabled");
        }
        if (protocol == null || protocol.isEmpty()) {
            return refuse(ErrorCodes.NO_PROTOCOL, "No protocol version supplied");
        }
        int version;
        try {
            version = Integer.parseInt(protocol);
        } catch (NumberFormatException e) {
            return refuse(ErrorCodes.UNSUPPORTED_PROTOCOL, "Unsupported protocol version " + protocol);
        }
        if (version < 4 || version > 7) {
            return refuse(ErrorCodes.UNSUPPORTED_PROTOCOL, "Unsupported protocol version " + version);
        }
        if (app.requireTls() && !secure) {
            return refuse(ErrorCodes.SSL_ONLY, "Application accepts only SSL connections, use wss://");
        }
        return cluster.acquireConnection(app.id(), app.limits().maxConnections())
                .thenApply(ok -> {
                    if (ok) {
                        return new Admitted(app, version);
                    }
                    rejections.count(app.id(), Limit.MAX_CONNECTIONS);
                    return new Refused(
                            ErrorCodes.OVER_CONNECTION_QUOTA,
                            "Application is over connection quota ("
                                    + app.limits().maxConnections() + ")");
                });
    }

    /**
     * Whether a WebSocket upgrade for {@code key} may negotiate compression: asked before admission,
     * since the handshake's answer carries it.
     */
    public boolean allowsCompression(String key) {
        App app = apps.byKey(key);
        return app != null && app.enabled() && app.websocketCompression();
    }

    /** The live version of an admitted connection's app (see {@link AppRegistry#current}). */
    App current(App app) {
        return apps.current(app);
    }

    /** Gives back the slot an {@link Admitted} connection held. */
    public void release(App app) {
        cluster.releaseConnection(app.id());
    }

    private static CompletionStage<Admission> refuse(int code, String message) {
        return completedFuture(new Refused(code, message));
    }
}
