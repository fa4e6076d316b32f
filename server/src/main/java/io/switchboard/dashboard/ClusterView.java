package io.switchboard.dashboard;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.switchboard.broker.Broker;
import io.switchboard.core.Command;
import io.switchboard.debug.DebugTap;
import io.switchboard.webhook.WebhookSender;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every node knows of the others for the dashboard, through {@link Command.NodeReport}s that
 * {@link Broker#broadcast} carries to every node. Nothing is sent while nobody watches.
 *
 * <ul>
 *   <li><b>Interest</b> ({@code watching} reports): a node where the dashboard was used in the
 *       last {@link #WATCH_HOLD_SECONDS} seconds, or with console viewers, says so every {@link
 *       #WATCH_REPEAT_SECONDS} seconds with the apps it has viewers of (and once more when it
 *       stops). A node's interest is forgotten {@link #WATCH_EXPIRY_SECONDS} seconds after its last
 *       report, so a node that died stops costing anything. Every node tells its {@link DebugTap}
 *       the union of the apps watched anywhere.
 *   <li><b>Figures</b> ({@code figures} reports): while any node watches, every node reports its
 *       own {@link NodeFigures} every {@link #FIGURES_SECONDS} seconds, and every node merges the
 *       latest report of each node (reports older than {@link #STALE_SECONDS} seconds count as a
 *       node gone) into cluster-wide figures and into the charts' history ({@link ChartHistory}): a
 *       point every {@link #FIGURES_SECONDS} seconds.
 * </ul>
 *
 * Everything runs on the dashboard's timer thread, except {@link #onReport} (the broker's threads)
 * and the reads, which see a consistent snapshot per node.
 */
final class ClusterView {
    private static final Logger log = LoggerFactory.getLogger("switchboard.dashboard");

    static final int WATCH_HOLD_SECONDS = 20;
    static final int WATCH_REPEAT_SECONDS = 5;
    static final int WATCH_EXPIRY_SECONDS = 15;
    static final int FIGURES_SECONDS = 2;
    static final int STALE_SECONDS = 3 * FIGURES_SECONDS + 1;
    static final int POINTS = ChartHistory.POINTS;
    static final String TOTAL = ChartHistory.TOTAL;

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Broker broker;
    private final String node;
    private final DebugTap tap;
    private final NodeFigures figures;
    private final Supplier<Set<String>> watchedHere;

    /** Interest by node: when it expires and the apps watched there. */
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    /** The latest two figure reports by node. */
    private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();

    private final ChartHistory history = new ChartHistory();

    private volatile long lastUsedNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(WATCH_HOLD_SECONDS + 1);
    private boolean watchingHere;
    private Set<String> announcedApps = Set.of();
    private long lastAnnouncedNanos;
    private long ticks;

    private record Watch(long expiresNanos, Set<String> apps) {}

    /** A figures report as sent between nodes. */
    record Report(long at, Map<String, NodeFigures.AppFigures> apps) {}

    /** A node's latest report and the one before, from which rates come. */
    record NodeState(Report latest, Report previous, long receivedNanos) {}

    ClusterView(Broker broker, String node, DebugTap tap, NodeFigures figures, Supplier<Set<String>> watchedHere) {
        this.broker = broker;
        this.node = node;
        this.tap = tap;
        this.figures = figures;
        this.watchedHere = watchedHere;
    }

    String node() {
        return node;
    }

    /** The dashboard was used on this node: start (or keep) everyone reporting. */
    void touch() {
        boolean wasIdle = System.nanoTime() - lastUsedNanos > TimeUnit.SECONDS.toNanos(WATCH_HOLD_SECONDS);
        lastUsedNanos = System.nanoTime();
        if (wasIdle) {
            synchronized (this) {
                announce(System.nanoTime(), true);
            }
        }
    }

    /** The apps with viewers on this node changed: tell the other nodes now. */
    synchronized void viewersChanged() {
        announce(System.nanoTime(), true);
    }

    /** Once a second, on the dashboard's timer thread. */
    synchronized void tick() {
        long now = System.nanoTime();
        announce(now, false);
        watches.values().removeIf(w -> now - w.expiresNanos() > 0);
        nodes.values().removeIf(n -> now - n.receivedNanos() > TimeUnit.SECONDS.toNanos(STALE_SECONDS));
        updateTap();
        if (++ticks % FIGURES_SECONDS == 0 && !watches.isEmpty()) {
            report();
            sample();
        }
    }

    private void announce(long now, boolean changed) {
        Set<String> apps = watchedHere.get();
        boolean watching = !apps.isEmpty() || now - lastUsedNanos <= TimeUnit.SECONDS.toNanos(WATCH_HOLD_SECONDS);
        if (watching) {
            boolean due = now - lastAnnouncedNanos >= TimeUnit.SECONDS.toNanos(WATCH_REPEAT_SECONDS);
            if (!watchingHere || due || changed || !apps.equals(announcedApps)) {
                broadcast("watching", Map.of("apps", List.copyOf(apps), "stop", false));
                announcedApps = apps;
                lastAnnouncedNanos = now;
                if (!watchingHere) {
                    watchingHere = true;
                    report(); // the first figures now, not at the next tick
                }
            }
        } else if (watchingHere) {
            watchingHere = false;
            announcedApps = Set.of();
            broadcast("watching", Map.of("apps", List.of(), "stop", true));
        }
    }

    private void updateTap() {
        Set<String> apps = new HashSet<>();
        for (Watch w : watches.values()) {
            apps.addAll(w.apps());
        }
        tap.watch(apps);
    }

    private void report() {
        broadcast("figures", new Report(System.currentTimeMillis(), figures.collect()));
    }

    private void broadcast(String topic, Object body) {
        try {
            broker.broadcast(new Command.NodeReport(node, topic, JSON.writeValueAsBytes(body)));
        } catch (IOException e) {
            log.warn("dashboard report {}: {}", topic, e.toString());
        }
    }

    /** A report from any node, this one included; from the broker's threads. */
    void onReport(Command.NodeReport report) {
        try {
            switch (report.topic()) {
                case "watching" -> {
                    var body = JSON.readTree(report.body());
                    if (body.path("stop").asBoolean(false)) {
                        watches.remove(report.nodeId());
                    } else {
                        Set<String> apps = new HashSet<>();
                        body.path("apps").forEach(a -> apps.add(a.asText()));
                        watches.put(
                                report.nodeId(),
                                new Watch(
                                        System.nanoTime() + TimeUnit.SECONDS.toNanos(WATCH_EXPIRY_SECONDS),
                                        Set.copyOf(apps)));
                    }
                    updateTap();
                }
                case "figures" -> {
                    Report r = JSON.readValue(report.body(), Report.class);
                    nodes.compute(
                            report.nodeId(),
                            (k, before) ->
                                    new NodeState(r, before == null ? null : before.latest(), System.nanoTime()));
                }
                default -> log.debug("unknown dashboard report {} from node {}", report.topic(), report.nodeId());
            }
        } catch (IOException | RuntimeException e) {
            log.debug("dashboard report {} from node {} unreadable: {}", report.topic(), report.nodeId(), e.toString());
        }
    }

    // --- merged figures -----------------------------------------------------------------------------

    /** One app's figures merged over the nodes that reported it. Rates are per second. */
    record Merged(
            int connections,
            double deliveredPerSecond,
            double publishedPerSecond,
            Map<String, Integer> transports,
            Map<String, Integer> protocols,
            Map<String, Integer> clients,
            long restRequests,
            NodeFigures.Webhook webhooks,
            List<WebhookSender.Delivery> recent) {}

    /** One node's figures of one app. */
    record PerNode(String node, int connections, double deliveredPerSecond, double publishedPerSecond) {}

    /** The nodes whose figures are current. */
    List<String> nodeIds() {
        List<String> ids = new ArrayList<>(nodes.keySet());
        ids.sort(null);
        return ids;
    }

    /** Every app reported by any node, merged. */
    Map<String, Merged> merged() {
        Map<String, List<Sample>> byApp = new HashMap<>();
        for (var e : nodes.entrySet()) {
            NodeState state = e.getValue();
            for (var app : state.latest().apps().entrySet()) {
                byApp.computeIfAbsent(app.getKey(), k -> new ArrayList<>())
                        .add(new Sample(
                                e.getKey(),
                                app.getValue(),
                                rate(state, app.getKey(), true),
                                rate(state, app.getKey(), false)));
            }
        }
        Map<String, Merged> out = new HashMap<>();
        byApp.forEach((app, samples) -> out.put(app, merge(samples)));
        return out;
    }

    /** The app's figures per node, by node id. */
    List<PerNode> perNode(String appId) {
        List<PerNode> out = new ArrayList<>();
        for (var e : new TreeMap<>(nodes).entrySet()) {
            NodeFigures.AppFigures f = e.getValue().latest().apps().get(appId);
            if (f != null) {
                out.add(new PerNode(
                        e.getKey(),
                        f.connections(),
                        rate(e.getValue(), appId, true),
                        rate(e.getValue(), appId, false)));
            }
        }
        return out;
    }

    private record Sample(String node, NodeFigures.AppFigures figures, double delivered, double published) {}

    private static Merged merge(Collection<Sample> samples) {
        int connections = 0;
        double delivered = 0;
        double published = 0;
        long rest = 0;
        long hDelivered = 0, hRetried = 0, hFailed = 0, hDropped = 0, hQueued = 0, hOldest = 0;
        Map<String, Integer> transports = new TreeMap<>();
        Map<String, Integer> protocols = new TreeMap<>();
        Map<String, Integer> clients = new TreeMap<>();
        List<WebhookSender.Delivery> recent = new ArrayList<>();
        for (Sample s : samples) {
            NodeFigures.AppFigures f = s.figures();
            connections += f.connections();
            delivered += s.delivered();
            published += s.published();
            rest += f.restRequests();
            f.transports().forEach((k, v) -> transports.merge(k, v, Integer::sum));
            f.protocols().forEach((k, v) -> protocols.merge(k, v, Integer::sum));
            f.clients().forEach((k, v) -> clients.merge(k, v, Integer::sum));
            NodeFigures.Webhook w = f.webhooks();
            hDelivered += w.delivered();
            hRetried += w.retried();
            hFailed += w.failed();
            hDropped += w.dropped();
            hQueued += w.queued(); // each target's lane is delivered (and counted) by one node
            hOldest = Math.max(hOldest, w.oldestAgeMillis());
            recent.addAll(f.recent());
        }
        recent.sort((a, b) -> Long.compare(b.atMillis(), a.atMillis()));
        if (recent.size() > 20) {
            recent = new ArrayList<>(recent.subList(0, 20));
        }
        return new Merged(
                connections,
                delivered,
                published,
                transports,
                protocols,
                clients,
                rest,
                new NodeFigures.Webhook(hDelivered, hRetried, hFailed, hDropped, hQueued, hOldest),
                recent);
    }

    /** Messages delivered (or events published) per second of one app on one node. */
    private static double rate(NodeState state, String appId, boolean delivered) {
        Report before = state.previous();
        if (before == null || state.latest().at() <= before.at()) {
            return 0;
        }
        NodeFigures.AppFigures now = state.latest().apps().get(appId);
        NodeFigures.AppFigures then = before.apps().get(appId);
        if (now == null) {
            return 0;
        }
        long a = delivered ? now.delivered() : now.published();
        long b = then == null ? 0 : delivered ? then.delivered() : then.published();
        // A node that restarted starts counting again from zero.
        return Math.max(0, a - b) * 1000.0 / (state.latest().at() - before.at());
    }

    private void sample() {
        history.add(System.currentTimeMillis() / 1000, merged());
    }

    /** The app's (or {@link #TOTAL}'s) last {@code points} chart points; empty when none. */
    double[][] history(String appId, int points) {
        return history.columns(appId, points);
    }
}
