package io.switchboard;

import io.switchboard.api.RestApi;
import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.broker.memory.MemoryBroker;
import io.switchboard.broker.memory.MemoryHistory;
import io.switchboard.broker.redis.RedisBroker;
import io.switchboard.channel.Channels;
import io.switchboard.connection.Connections;
import io.switchboard.metrics.Metrics;
import io.switchboard.transport.HttpSessions;
import io.switchboard.webhook.Webhooks;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's meters in the Prometheus registry (read from the components at scrape time), per
 * node and per app, and the periodic insight log line of what each app's clients use.
 */
final class ServerMetrics {
    private static final Logger log = LoggerFactory.getLogger("switchboard.server");

    private final Metrics metrics;
    private final Broker broker;
    private final Connections connections;
    private final RestApi api;
    private final Webhooks webhooks;

    /** @param webhooks webhook delivery, or {@code null} when off */
    ServerMetrics(Metrics metrics, Broker broker, Connections connections, RestApi api, Webhooks webhooks) {
        this.metrics = metrics;
        this.broker = broker;
        this.connections = connections;
        this.api = api;
        this.webhooks = webhooks;
    }

    void register(AppRegistry apps, Channels channels, HttpSessions sessions) {
        metrics.counter(
                "switchboard.messages.delivered",
                "Frames written to subscribers by fan-out",
                channels,
                Channels::delivered);
        metrics.counter(
                "switchboard.events.published",
                "Events published from this node (REST, client events, presence changes)",
                channels,
                Channels::published);
        metrics.gauge("switchboard.http.sessions", "Open HTTP fallback sessions", sessions::size);
        if (broker instanceof MemoryBroker memory) {
            MemoryHistory history = memory.history();
            for (MemoryHistory.Reason reason : MemoryHistory.Reason.values()) {
                metrics.counter(
                        "switchboard.history.evicted",
                        "History events dropped by the memory broker, by the bound that dropped them",
                        history,
                        h -> h.evictions(reason),
                        "reason",
                        reason.name().toLowerCase(Locale.ROOT));
            }
            metrics.gauge(
                    "switchboard.history.bytes",
                    "Bytes the memory broker's channel histories hold (frames and entries)",
                    history::bytes);
            metrics.gauge(
                    "switchboard.history.events", "Events the memory broker's channel histories hold", history::events);
        }
        if (broker instanceof RedisBroker redis) {
            metrics.counter(
                    "switchboard.broker.reconnects",
                    "Connections to Redis lost and opened again",
                    redis,
                    RedisBroker::reconnects);
            metrics.gauge(
                    "switchboard.broker.up",
                    "1 while Redis answers (as /ready reports), else 0",
                    () -> redis.healthy() ? 1 : 0);
        }
        for (App app : apps.all()) {
            register(app);
        }
    }

    /** An app's meters; registering one that exists already changes nothing. */
    void register(App app) {
        String id = app.id();
        for (String transport : List.of("websocket", "xhr_streaming", "xhr_polling")) {
            metrics.gauge(
                    "switchboard.connections",
                    "Open connections on this node",
                    () -> connections.count(id, transport),
                    "app",
                    id,
                    "transport",
                    transport);
        }
        metrics.counter(
                "switchboard.rest.requests", "Authenticated REST requests", api, a -> a.requests(id), "app", id);
        if (webhooks != null && !app.webhooks().isEmpty()) {
            metrics.counter(
                    "switchboard.webhooks.delivered",
                    "Webhook batches delivered",
                    webhooks,
                    w -> w.stats(id).delivered(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.retried",
                    "Webhook delivery attempts that failed and were retried",
                    webhooks,
                    w -> w.stats(id).retried(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.failed",
                    "Webhook batches given up after retry_for_seconds",
                    webhooks,
                    w -> w.stats(id).failed(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.dropped",
                    "Webhook batches dropped, oldest first, because their target's backlog passed"
                            + " webhooks.max_backlog_bytes",
                    webhooks,
                    w -> w.stats(id).dropped(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.lane_errors",
                    "Webhook delivery failures that were not the receiver's (a request the HTTP client refused,"
                            + " a queue error); retried like a failed POST",
                    webhooks,
                    w -> w.stats(id).laneErrors(),
                    "app",
                    id);
            metrics.gauge(
                    "switchboard.webhooks.oldest_age_seconds",
                    "Seconds the oldest undelivered webhook batch has waited (0 when none)",
                    () -> webhooks.stats(id).oldestAgeMillis() / 1000.0,
                    "app",
                    id);
            metrics.gauge(
                    "switchboard.webhooks.queued",
                    "Webhook batches waiting for delivery",
                    () -> webhooks.stats(id).queued(),
                    "app",
                    id);
        }
    }

    /** Logs, per app with connections, which transports, protocols and client libraries they use. */
    void logInsight(AppRegistry apps) {
        for (App app : apps.all()) {
            Connections.Insight i = connections.insight(app.id());
            if (i.connections() > 0) {
                log.info(
                        "app {}: {} connections, transports {}, protocols {}, clients {}",
                        app.id(),
                        i.connections(),
                        i.transports(),
                        i.protocols(),
                        i.clients());
            }
        }
    }
}
