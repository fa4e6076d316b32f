package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import java.util.Map;

/**
 * Clients that only watch: one in the app under test and one in another app, each subscribed to
 * the same channel name. {@link #stillReceiveEvents} proves a misbehaving neighbour left them alone.
 */
public final class Bystanders implements AutoCloseable {
    private static final String CHANNEL = "bystanders";

    private final TestServer server;
    private final App sameApp;
    private final App otherApp;
    private final Watcher neighbour;
    private final Watcher stranger;
    private int round;

    /** Raw clients; they answer the server's pings only while a check reads them. */
    public Bystanders(TestServer server, App sameApp, App otherApp) {
        this(
                server,
                sameApp,
                otherApp,
                new Raw(RawClient.connect(server, sameApp)),
                new Raw(RawClient.connect(server, otherApp)));
    }

    private Bystanders(TestServer server, App sameApp, App otherApp, Watcher neighbour, Watcher stranger) {
        this.server = server;
        this.sameApp = sameApp;
        this.otherApp = otherApp;
        this.neighbour = neighbour;
        this.stranger = stranger;
    }

    /**
     * Bystanders on the official Java client, which answers the server's control pings by itself:
     * for tests with an activity timeout shorter than they last. Each check also proves the
     * bystander is still on its first connection (the SDK would reconnect silently).
     */
    public static Bystanders answeringPings(TestServer server, App sameApp, App otherApp) {
        return new Bystanders(
                server,
                sameApp,
                otherApp,
                new Sdk(SdkClient.connect(server, sameApp)),
                new Sdk(SdkClient.connect(server, otherApp)));
    }

    /** Each bystander receives a fresh REST event next, and nothing else before it. */
    public void stillReceiveEvents() {
        String event = "round-" + ++round;
        Rest.trigger(server.rest(sameApp), CHANNEL, event, Map.of());
        Rest.trigger(server.rest(otherApp), CHANNEL, event, Map.of());
        neighbour.expect(event);
        stranger.expect(event);
    }

    @Override
    public void close() {
        neighbour.close();
        stranger.close();
    }

    private interface Watcher extends AutoCloseable {
        void expect(String event);

        @Override
        void close();
    }

    private record Raw(RawClient client) implements Watcher {
        Raw {
            client.subscribe(CHANNEL);
        }

        @Override
        public void expect(String event) {
            client.expect(event, CHANNEL);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private record Sdk(SdkClient client, String socketId) implements Watcher {
        Sdk(SdkClient client) {
            this(client.subscribe(CHANNEL), client.pusher().getConnection().getSocketId());
        }

        @Override
        public void expect(String event) {
            client.awaitEvent(CHANNEL, event);
            assertThat(client.pusher().getConnection().getSocketId())
                    .as("still the first connection")
                    .isEqualTo(socketId);
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
