package io.switchboard.testing;

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
    private final RawClient neighbour;
    private final RawClient stranger;
    private int round;

    public Bystanders(TestServer server, App sameApp, App otherApp) {
        this.server = server;
        this.sameApp = sameApp;
        this.otherApp = otherApp;
        this.neighbour = RawClient.connect(server, sameApp);
        this.stranger = RawClient.connect(server, otherApp);
        neighbour.subscribe(CHANNEL);
        stranger.subscribe(CHANNEL);
    }

    /** Each bystander receives a fresh REST event next, and nothing else before it. */
    public void stillReceiveEvents() {
        String event = "round-" + ++round;
        Rest.trigger(server.rest(sameApp), CHANNEL, event, Map.of());
        Rest.trigger(server.rest(otherApp), CHANNEL, event, Map.of());
        neighbour.expect(event, CHANNEL);
        stranger.expect(event, CHANNEL);
    }

    @Override
    public void close() {
        neighbour.close();
        stranger.close();
    }
}
