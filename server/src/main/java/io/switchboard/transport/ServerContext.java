package io.switchboard.transport;

import io.switchboard.api.RestApi;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** What the HTTP layer needs from the rest of the server, and its draining state. */
public final class ServerContext {
    private final RestApi api;
    private final WebSocketUpgrade webSockets;
    private final HttpSessions httpSessions;
    private final BooleanSupplier brokerHealthy;
    private final Supplier<String> metrics;
    private final String version;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger requestsInFlight = new AtomicInteger();

    public ServerContext(
            RestApi api,
            WebSocketUpgrade webSockets,
            HttpSessions httpSessions,
            BooleanSupplier brokerHealthy,
            Supplier<String> metrics,
            String version) {
        this.metrics = metrics;
        this.api = api;
        this.webSockets = webSockets;
        this.httpSessions = httpSessions;
        this.brokerHealthy = brokerHealthy;
        this.version = version;
    }

    RestApi api() {
        return api;
    }

    WebSocketUpgrade webSockets() {
        return webSockets;
    }

    HttpSessions httpSessions() {
        return httpSessions;
    }

    /** The Prometheus text exposition. */
    String metrics() {
        return metrics.get();
    }

    String version() {
        return version;
    }

    /** Ready for traffic: not draining and the broker answers. */
    boolean ready() {
        return !draining.get() && brokerHealthy.getAsBoolean();
    }

    /** Marks the server as shutting down: {@code /ready} fails and new connections are refused. */
    public void drain() {
        draining.set(true);
    }

    public boolean draining() {
        return draining.get();
    }

    void requestStarted() {
        requestsInFlight.incrementAndGet();
    }

    void requestFinished() {
        requestsInFlight.decrementAndGet();
    }

    /** REST requests accepted but not yet answered. */
    public int requestsInFlight() {
        return requestsInFlight.get();
    }
}
