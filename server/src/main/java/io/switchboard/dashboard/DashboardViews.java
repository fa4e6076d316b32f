package io.switchboard.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.admin.LiveState;
import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.AppRegistry;
import io.switchboard.webhook.WebhookSender;
import io.switchboard.webhook.Webhooks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JSON the dashboard's pages read. Never a secret: apps are shown without theirs, webhook URLs
 * without user-info or query, webhook headers by name only.
 *
 * <p>Which figures are cluster-wide: every figure merged from the nodes' reports ({@link
 * ClusterView}: connections and what they use, message rates, REST requests, webhook deliveries
 * and queues) and the channels and presence members, read from the broker's stores. Per node: the
 * {@code nodes} list of an app, and the console's viewer counts.
 */
final class DashboardViews {
    static final int MAX_APPS = 200;
    static final int SPARK_POINTS = 30;
    private static final long READ_TIMEOUT_SECONDS = 5;

    private final AppRegistry apps;
    private final LiveState state;
    private final ClusterView cluster;
    private final Console console;
    private final io.switchboard.config.DashboardSettings settings;

    DashboardViews(
            AppRegistry apps,
            LiveState state,
            ClusterView cluster,
            Console console,
            io.switchboard.config.DashboardSettings settings) {
        this.apps = apps;
        this.state = state;
        this.cluster = cluster;
        this.console = console;
        this.settings = settings;
    }

    /** Unavailable figures: the broker's stores did not answer in time. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** The apps list and the cluster's totals; {@code query} filters by id or name. */
    byte[] overview(String query) {
        Map<String, ClusterView.Merged> merged = cluster.merged();
        ObjectNode out = ClusterView.JSON.createObjectNode();
        out.put("node", cluster.node());
        ArrayNode nodes = out.putArray("nodes");
        cluster.nodeIds().forEach(nodes::add);
        int connections = 0;
        double delivered = 0;
        double published = 0;
        for (ClusterView.Merged m : merged.values()) {
            connections += m.connections();
            delivered += m.deliveredPerSecond();
            published += m.publishedPerSecond();
        }
        ObjectNode totals = out.putObject("totals");
        totals.put("apps", apps.all().size());
        totals.put("connections", connections);
        totals.put("delivered_per_second", round(delivered));
        totals.put("published_per_second", round(published));
        history(out.putObject("history"), ClusterView.TOTAL, ClusterView.POINTS);

        String q = query == null ? "" : query.toLowerCase(Locale.ROOT);
        List<App> list = new ArrayList<>();
        for (App app : apps.all()) {
            if (q.isEmpty()
                    || app.id().toLowerCase(Locale.ROOT).contains(q)
                    || app.name().toLowerCase(Locale.ROOT).contains(q)) {
                list.add(app);
            }
        }
        list.sort(Comparator.comparingInt((App a) -> connectionsOf(merged, a.id()))
                .reversed()
                .thenComparing(App::id));
        ArrayNode rows = out.putArray("apps");
        for (App app : list.subList(0, Math.min(MAX_APPS, list.size()))) {
            ClusterView.Merged m = merged.get(app.id());
            ObjectNode row = rows.addObject();
            row.put("id", app.id());
            row.put("name", app.name());
            row.put("enabled", app.enabled());
            row.put("connections", m == null ? 0 : m.connections());
            row.put("delivered_per_second", m == null ? 0 : round(m.deliveredPerSecond()));
            row.put("published_per_second", m == null ? 0 : round(m.publishedPerSecond()));
            ArrayNode spark = row.putArray("spark");
            for (double v : cluster.history(app.id(), SPARK_POINTS)[2]) {
                spark.add(round(v));
            }
        }
        out.put("matching", list.size());
        return bytes(out);
    }

    /** One app's page: settings, figures, channels; {@code null} for an unknown app. */
    byte[] app(String appId) throws Unavailable {
        App app = apps.byId(appId);
        if (app == null) {
            return null;
        }
        LiveState.AppState live = await(state.app(appId));
        ClusterView.Merged m = cluster.merged().get(appId);
        ObjectNode out = ClusterView.JSON.createObjectNode();
        out.set("app", settings(app));
        out.put("node", cluster.node());

        ObjectNode c = out.putObject("connections");
        c.put("count", m == null ? 0 : m.connections());
        c.set("transports", ClusterView.JSON.valueToTree(m == null ? Map.of() : m.transports()));
        c.set("protocols", ClusterView.JSON.valueToTree(m == null ? Map.of() : m.protocols()));
        c.set("clients", ClusterView.JSON.valueToTree(m == null ? Map.of() : m.clients()));
        ObjectNode rates = out.putObject("rates");
        rates.put("delivered_per_second", m == null ? 0 : round(m.deliveredPerSecond()));
        rates.put("published_per_second", m == null ? 0 : round(m.publishedPerSecond()));
        out.put("rest_requests", m == null ? 0 : m.restRequests());
        ArrayNode nodes = out.putArray("nodes");
        for (ClusterView.PerNode n : cluster.perNode(appId)) {
            ObjectNode row = nodes.addObject();
            row.put("node", n.node());
            row.put("connections", n.connections());
            row.put("delivered_per_second", round(n.deliveredPerSecond()));
            row.put("published_per_second", round(n.publishedPerSecond()));
        }
        history(out.putObject("history"), appId, ClusterView.POINTS);

        out.set("channels", live.channelsToJson(ClusterView.JSON));

        ObjectNode hooks = out.putObject("webhooks");
        NodeFigures.Webhook w = m == null ? NodeFigures.Webhook.NONE : m.webhooks();
        hooks.put("delivered", w.delivered());
        hooks.put("retried", w.retried());
        hooks.put("failed", w.failed());
        hooks.put("dropped", w.dropped());
        hooks.put("queued", w.queued());
        hooks.put("oldest_age_seconds", w.oldestAgeMillis() / 1000);
        ArrayNode recent = hooks.putArray("recent");
        for (WebhookSender.Delivery d : m == null ? List.<WebhookSender.Delivery>of() : m.recent()) {
            ObjectNode r = recent.addObject();
            r.put("at", Instant.ofEpochMilli(d.atMillis()).toString());
            r.put("url", d.url());
            r.put("outcome", d.outcome());
            r.put("attempt", d.attempt());
            if (d.problem() != null) {
                r.put("problem", d.problem());
            }
        }

        ObjectNode viewing = out.putObject("console");
        viewing.put("viewers_here", console.viewersByApp().getOrDefault(appId, 0));
        viewing.put("max_viewers_per_app", settings.maxViewersPerApp());
        viewing.put("events_per_second", settings.viewerEventsPerSecond());
        ArrayNode types = viewing.putArray("types");
        ConsoleEvents.TYPES.stream().sorted().forEach(types::add);
        return bytes(out);
    }

    /** A presence channel's members (cluster-wide), at most {@code limit}. */
    byte[] members(String appId, String channel, int limit) throws Unavailable {
        LiveState.Members m = await(state.members(appId, channel, limit));
        ObjectNode out = m.toJson(ClusterView.JSON);
        return bytes(out);
    }

    /** What the app page shows of an app's settings: no secret, no webhook credentials. */
    static ObjectNode settings(App app) {
        ObjectNode out = ClusterView.JSON.createObjectNode();
        out.put("id", app.id());
        out.put("name", app.name());
        out.put("key", app.key());
        out.put("enabled", app.enabled());
        out.put("client_events", app.clientEvents());
        out.put("user_authentication", app.userAuthentication());
        out.put("require_tls", app.requireTls());
        out.put("subscription_count_events", app.subscriptionCountEvents());
        out.put("websocket_compression", app.websocketCompression());
        AppLimits l = app.limits();
        ObjectNode limits = out.putObject("limits");
        limits.put("max_connections", l.maxConnections());
        limits.put("max_presence_members", l.maxPresenceMembers());
        limits.put("max_payload_bytes", l.maxPayloadBytes());
        limits.put("client_events_per_second", l.clientEventsPerSecond());
        limits.put("rest_requests_per_second", l.restRequestsPerSecond());
        ArrayNode hooks = out.putArray("webhooks");
        for (App.Webhook w : app.webhooks()) {
            ObjectNode hook = hooks.addObject();
            hook.put("url", Webhooks.shownUrl(w.url()));
            ArrayNode types = hook.putArray("event_types");
            w.eventTypes().forEach(types::add);
            hook.put("channel_prefix", w.channelPrefix() == null ? "" : w.channelPrefix());
            ArrayNode headers = hook.putArray("headers");
            w.headers().keySet().stream().sorted().forEach(headers::add);
        }
        return out;
    }

    private void history(ObjectNode out, String appId, int points) {
        double[][] h = cluster.history(appId, points);
        String[] names = {"t", "connections", "delivered", "published"};
        for (int i = 0; i < names.length; i++) {
            ArrayNode a = out.putArray(names[i]);
            for (double v : h[i]) {
                a.add(i == 0 ? (long) v : round(v));
            }
        }
    }

    private static int connectionsOf(Map<String, ClusterView.Merged> merged, String appId) {
        ClusterView.Merged m = merged.get(appId);
        return m == null ? 0 : m.connections();
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static <T> T await(CompletionStage<T> stage) throws Unavailable {
        try {
            return stage.toCompletableFuture().get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new Unavailable("The broker's stores did not answer: " + e);
        }
    }

    static byte[] bytes(ObjectNode node) {
        try {
            return ClusterView.JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
