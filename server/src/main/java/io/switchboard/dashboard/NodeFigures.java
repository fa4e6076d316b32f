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
 * Client library names come from clients, so a report lists at most {@link #MAX_CLIENTS} of them,
 * each cut to {@link #MAX_CLIENT_NAME} characters: however many distinct names clients send, a
 * report stays small.
 */
final class NodeFigures {
    static final int MAX_APPS = 2000;
    static final int RECENT_DELIVERIES = 5;
    /** Client libraries listed per app at most (the rest as "other"), and their names' length. */
    static final int MAX_CLIENTS = 20;

    static final int MAX_CLIENT_NAME = 64;

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

    /** The most used client libraries, the rest summed as {@code other}. */
    static Map<String, Integer> topClients(Map<String, Integer> clients) {
        if (clients.size() <= MAX_CLIENTS && clients.keySet().stream().allMatch(k -> k.length() <= MAX_CLIENT_NAME)) {
            return clients;
        }
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(clients.entrySet());
        sorted.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        Map<String, Integer> out = new java.util.TreeMap<>();
        int other = 0;
        for (int i = 0; i < sorted.size(); i++) {
            var e = sorted.get(i);
            if (i < MAX_CLIENTS - 1) {
                String name = e.getKey().length() > MAX_CLIENT_NAME
                        ? e.getKey().substring(0, MAX_CLIENT_NAME) + "\u2026"
                        : e.getKey();
                out.merge(name, e.getValue(), Integer::sum);
            } else {
                other += e.getValue();
            }
        }
        if (other > 0) {
            out.merge("other", other, Integer::sum);
        }
        return out;
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
                topClients(insight.clients()),
                channels.published(id),
                channels.delivered(id),
                api.requests(id),
                hooks,
                recent);
    }
}
