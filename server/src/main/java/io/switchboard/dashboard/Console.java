package io.switchboard.dashboard;

import io.switchboard.broker.Broker;
import io.switchboard.config.DashboardSettings;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Envelope;
import io.switchboard.debug.DebugEvent;
import io.switchboard.debug.DebugTap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The debug console across the cluster.
 *
 * <p><b>Producing.</b> The {@link DebugTap} makes events only for apps someone watches (on any
 * node: {@link ClusterView} tells it which). A relay thread takes them, formats each once ({@link
 * ConsoleEvents}) and publishes it through the broker on the app's internal channel {@code
 * #debug}, which no client can subscribe to. Once a second it publishes a "sampled" marker for
 * each app whose budget left events out.
 *
 * <p><b>Viewing.</b> A node with a viewer of an app subscribes to that channel through the broker
 * (one subscription per app however many viewers), so the events of every node reach it; the
 * broker hands them to {@link #received}, which passes each to the app's viewers here. Viewers are
 * capped per app and per node ({@code max_viewers_per_app}, {@code max_viewers}).
 */
final class Console implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("switchboard.dashboard");

    /** The internal channel each app's console events travel on between nodes. */
    static final String CHANNEL = "#debug";

    static final int KEEP_ALIVE_SECONDS = 15;

    private final Broker broker;
    private final DebugTap tap;
    private final String node;
    private final DashboardSettings settings;
    private final Runnable viewersChanged;
    private final Thread relay;
    /** Viewers by app; a list is replaced or changed under {@code this}, read without a lock. */
    private final Map<String, List<ConsoleViewer>> viewers = new java.util.concurrent.ConcurrentHashMap<>();

    private int total;
    private int reserved;
    private volatile boolean closed;
    private long ticks;

    /** @param viewersChanged told when the apps with viewers on this node change */
    Console(Broker broker, DebugTap tap, String node, DashboardSettings settings, Runnable viewersChanged) {
        this.broker = broker;
        this.tap = tap;
        this.node = node;
        this.settings = settings;
        this.viewersChanged = viewersChanged;
        this.relay =
                Thread.ofPlatform().name("switchboard-console").daemon(true).unstarted(this::relay);
    }

    void start() {
        relay.start();
    }

    static boolean carries(ChannelKey channel) {
        return channel.name().equals(CHANNEL);
    }

    // --- viewers ------------------------------------------------------------------------------------

    /** A reserved place for a viewer; {@link #start} it with the stream, or {@link #cancel} it. */
    final class Reservation {
        private final String appId;
        private final Set<String> types;
        private final String channel;
        private final Session session;
        private boolean used;

        Reservation(String appId, Set<String> types, String channel, Session session) {
            this.appId = appId;
            this.types = types;
            this.channel = channel;
            this.session = session;
        }

        /** Starts showing events on {@code stream}; the place is freed when the stream ends. */
        void start(EventStream stream) {
            ConsoleViewer viewer = new ConsoleViewer(
                    appId,
                    node,
                    types,
                    channel,
                    settings.viewerEventsPerSecond(),
                    TimeUnit.MINUTES.toNanos(settings.viewerTimeoutMinutes()),
                    session,
                    stream);
            boolean first;
            synchronized (Console.this) {
                if (used) {
                    return;
                }
                used = true;
                reserved--;
                total++;
                List<ConsoleViewer> list = viewers.computeIfAbsent(appId, a -> new CopyOnWriteArrayList<>());
                first = list.isEmpty();
                list.add(viewer);
                if (first) {
                    broker.subscribe(new ChannelKey(appId, CHANNEL));
                }
            }
            stream.send("retry: 5000\n\n");
            stream.onEnd(() -> remove(viewer));
            if (closed) {
                viewer.end("The server is stopping.");
            }
            if (first) {
                viewersChanged.run();
            }
            log.debug("console viewer of app {} opened ({} on this node)", appId, total);
        }

        void cancel() {
            synchronized (Console.this) {
                if (!used) {
                    used = true;
                    reserved--;
                }
            }
        }
    }

    /**
     * Reserves a place for a viewer of {@code appId}.
     *
     * @return the reservation, or {@code null} when the caps are reached ({@link #refusal} says why)
     */
    synchronized Reservation reserve(String appId, Set<String> types, String channel, Session session) {
        if (refusal(appId) != null) {
            return null;
        }
        reserved++;
        return new Reservation(appId, types, channel, session);
    }

    /** Why another viewer of the app cannot open now, or {@code null} when it can. */
    synchronized String refusal(String appId) {
        if (closed) {
            return "The server is stopping";
        }
        if (settings.maxViewers() == 0) {
            return "The debug console is off on this node (admin.dashboard.max_viewers: 0)";
        }
        if (total + reserved >= settings.maxViewers()) {
            return "This node has " + settings.maxViewers()
                    + " debug console streams open already (admin.dashboard.max_viewers); close one and retry";
        }
        List<ConsoleViewer> list = viewers.get(appId);
        if (list != null && list.size() >= settings.maxViewersPerApp()) {
            return "This app has " + settings.maxViewersPerApp()
                    + " debug console streams open on this node already (admin.dashboard.max_viewers_per_app)";
        }
        return null;
    }

    private void remove(ConsoleViewer viewer) {
        boolean last = false;
        synchronized (this) {
            List<ConsoleViewer> list = viewers.get(viewer.appId);
            if (list != null && list.remove(viewer)) {
                total--;
                if (list.isEmpty()) {
                    viewers.remove(viewer.appId);
                    broker.unsubscribe(new ChannelKey(viewer.appId, CHANNEL));
                    last = true;
                }
            }
        }
        if (last) {
            viewersChanged.run();
        }
    }

    /** Apps with viewers on this node. */
    Set<String> watchedHere() {
        return Set.copyOf(viewers.keySet());
    }

    synchronized int viewerCount() {
        return total;
    }

    /** An event of the app's console from any node, this one included; from the broker's threads. */
    void received(ChannelKey channel, Envelope envelope) {
        List<ConsoleViewer> list = viewers.get(channel.appId());
        if (list == null || list.isEmpty()) {
            return;
        }
        ConsoleEvents.Received event = ConsoleEvents.read(envelope.frame());
        if (event == null) {
            return;
        }
        for (ConsoleViewer v : list) {
            v.offer(event);
        }
    }

    /** Once a second, from the dashboard's timer: markers, keep-alives, lifetimes. */
    void tick() {
        boolean keepAlive = ++ticks % KEEP_ALIVE_SECONDS == 0;
        for (List<ConsoleViewer> list : viewers.values()) {
            for (ConsoleViewer v : list) {
                v.tick(keepAlive);
            }
        }
    }

    // --- the relay thread ---------------------------------------------------------------------------

    private void relay() {
        long nextMarkers = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!closed) {
            try {
                DebugEvent event = tap.poll(200, TimeUnit.MILLISECONDS);
                if (event != null) {
                    publish(event.appId(), ConsoleEvents.json(event, node));
                }
                if (System.nanoTime() - nextMarkers >= 0) {
                    nextMarkers = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                    for (String appId : tap.watched()) {
                        long dropped = tap.takeDropped(appId);
                        if (dropped > 0) {
                            publish(appId, ConsoleEvents.sampled(System.currentTimeMillis(), node, dropped, "node"));
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("debug console relay: {}", e.toString());
            }
        }
    }

    private void publish(String appId, byte[] json) {
        broker.publish(new ChannelKey(appId, CHANNEL), new Envelope(json, null));
    }

    /** Ends every stream (telling each viewer why) and stops the relay. */
    @Override
    public void close() {
        closed = true;
        relay.interrupt();
        List<ConsoleViewer> all = new ArrayList<>();
        viewers.values().forEach(all::addAll);
        for (ConsoleViewer v : all) {
            v.end("The server is stopping.");
        }
    }

    /** For tests: viewers per app. */
    Map<String, Integer> viewersByApp() {
        Map<String, Integer> out = new HashMap<>();
        viewers.forEach((app, list) -> out.put(app, list.size()));
        return out;
    }
}
