package io.switchboard.dashboard;

import io.switchboard.api.RestApi;
import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.channel.Channels;
import io.switchboard.connection.Connections;
import io.switchboard.webhook.WebhookSender;
import io.switchboard.webhook.Webhooks;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * This node's own figures per app, as it reports them to every node's dashboard: its connections
 * (by transport, protocol and client library), the events it published and the messages it
 * delivered since it started, its REST requests, and its webhook deliveries. Apps with nothing to
 * report are left out, and at most {@link #MAX_APPS} (those with the most connections) are sent.
 */
final class NodeFigures {
    static final int MAX_APPS = 2000;
    static final int RECENT_DELIVERIES = 5;

    private final AppRegistry apps;
    private final Connections connections;
    private final Channels channels;
    private final RestApi api;
    private final Webhooks webhooks;

    /** @param webhooks webhook delivery, or {@code null} when no app has webhooks */
    NodeFigures(AppRegistry apps, Connections connections, Channels channels, RestApi api, Webhooks webhooks) {
        this.apps = apps;
        this.connections = connections;
        this.channels = channels;
        this.api = api;
        this.webhooks = webhooks;
    }

    /** One app's figures on one node. Counters are totals since the node started. */
    record AppFigures(
            int connections,
            Map<String, Integer> transports,
            Map<String, Integer> protocols,
            Map<String, Integer> clients,
            long published,
            long delivered,
            long restRequests,
            Webhook webhooks,
            List<WebhookSender.Delivery> recent) {

        boolean empty() {
            return connections == 0
                    && published == 0
                    && delivered == 0
                    && restRequests == 0
                    && webhooks.equals(Webhook.NONE);
        }
    }

    record Webhook(long delivered, long retried, long failed, long dropped, long queued, long oldestAgeMillis) {
        static final Webhook NONE = new Webhook(0, 0, 0, 0, 0, 0);
    }

    /** The figures of every app with something to report. */
    Map<String, AppFigures> collect() {
        List<Map.Entry<String, AppFigures>> out = new ArrayList<>();
        for (App app : apps.all()) {
            AppFigures figures = of(app);
            if (!figures.empty()) {
                out.add(Map.entry(app.id(), figures));
            }
        }
        if (out.size() > MAX_APPS) {
            out.sort(Comparator.comparingInt(
                            (Map.Entry<String, AppFigures> e) -> e.getValue().connections())
                    .reversed());
            out = out.subList(0, MAX_APPS);
        }
        Map<String, AppFigures> map = new java.util.LinkedHashMap<>();
        out.forEach(e -> map.put(e.getKey(), e.getValue()));
        return map;
    }

    private AppFigures of(App app) {
        String id = app.id();
        Connections.Insight insight = connections.insight(id);
        Webhook hooks = Webhook.NONE;
        List<WebhookSender.Delivery> recent = List.of();
        if (webhooks != null && !app.webhooks().isEmpty()) {
            Webhooks.Stats s = webhooks.stats(id);
            hooks = new Webhook(s.delivered(), s.retried(), s.failed(), s.dropped(), s.queued(), s.oldestAgeMillis());
            recent = webhooks.recentDeliveries(id, RECENT_DELIVERIES);
        }
        return new AppFigures(
                insight.connections(),
                insight.transports(),
                insight.protocols(),
                insight.clients(),
                channels.published(id),
                channels.table().delivered(id),
                api.requests(id),
                hooks,
                recent);
    }
}
