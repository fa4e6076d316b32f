package io.switchboard.webhook;

import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.channel.ChannelObserver;
import io.switchboard.channel.ClusterState;
import io.switchboard.config.WebhookSettings;
import io.switchboard.core.ChannelKey;
import io.switchboard.debug.DebugTap;
import io.switchboard.protocol.ChannelType;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns channel lifecycle events into signed, batched webhook POSTs (pusher-protocol.md §8).
 *
 * <p>Observer calls come from event loops and only hand the event to one webhook thread, which owns
 * all batching state: it holds channel_vacated and member_removed back for {@code
 * removal_delay_ms} (a return within it, on any node, cancels both: see {@link RemovalHolds}), filters per
 * target, groups events into batches of at most {@code batch_max_events} or {@code
 * batch_max_delay_ms}, and stores each batch in the durable queue, from which a {@link
 * WebhookSender} per target delivers it (on this node, or on another one with a shared queue).
 */
public final class Webhooks implements ChannelObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    private final WebhookSettings settings;
    private final WebhookQueue queue;
    private final ScheduledExecutorService thread;
    /** Replaced whole (never changed in place) on the webhook thread; read from event loops too. */
    private volatile Map<String, List<WebhookTarget>> targetsByApp = Map.of();

    private final Map<String, Pending> pendingByTarget = new LinkedHashMap<>();
    private final Map<String, WebhookSender> senders = new ConcurrentHashMap<>();
    private final HttpClient http;
    private final RemovalHolds holds;
    private final ExecutorService httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private final ClusterState cluster;
    private final WebhookTimings timings;
    private final DebugTap debug;
    private boolean closed;

    /** Events waiting to fill a batch for one target. Touched on the webhook thread only. */
    private static final class Pending {
        WebhookTarget target;
        final List<WebhookEvent> events = new ArrayList<>();
        ScheduledFuture<?> timer;

        Pending(WebhookTarget target) {
            this.target = target;
        }
    }

    /**
     * @param cluster whose stores keep the marks of held-back removals
     * @param timings where the durations of POSTs and deliveries are recorded
     * @param debug where every delivery try is reported for the debug console
     */
    public Webhooks(
            AppRegistry apps,
            WebhookSettings settings,
            WebhookQueue queue,
            ClusterState cluster,
            WebhookTimings timings,
            DebugTap debug) {
        this.settings = settings;
        this.debug = debug;
        this.cluster = cluster;
        this.timings = timings;
        this.queue = queue;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-webhooks");
            t.setDaemon(true);
            return t;
        });
        this.holds = new RemovalHolds(thread, settings.removalDelayMs(), this::submit);
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(settings.timeoutMs()))
                .executor(httpExecutor)
                .build();
        Map<String, List<WebhookTarget>> byApp = targets(apps.all());
        byApp.values().forEach(list -> list.forEach(t -> pendingByTarget.put(t.key(), new Pending(t))));
        targetsByApp = byApp;
        queue.open(Set.copyOf(pendingByTarget.keySet()));
        for (Pending p : pendingByTarget.values()) {
            senders.put(p.target.key(), new WebhookSender(p.target, settings, queue, http, timings, debug));
        }
    }

    private static Map<String, List<WebhookTarget>> targets(Collection<App> apps) {
        Map<String, List<WebhookTarget>> byApp = new HashMap<>();
        for (App app : apps) {
            for (App.Webhook webhook : app.webhooks()) {
                byApp.computeIfAbsent(app.id(), a -> new ArrayList<>()).add(new WebhookTarget(app, webhook));
            }
        }
        return byApp;
    }

    /**
     * Applies the apps' current webhook targets and credentials, after apps were changed live: a new
     * target starts receiving events, a removed one stops (its batches not yet delivered stay in the
     * queue), and a changed app's targets sign with its current secret from the next POST on.
     * Returns once applied.
     */
    public void update(Collection<App> apps) {
        Map<String, List<WebhookTarget>> byApp = targets(apps);
        try {
            thread.submit(() -> {
                        if (closed) {
                            return;
                        }
                        Map<String, WebhookTarget> wanted = new LinkedHashMap<>();
                        byApp.values().forEach(list -> list.forEach(t -> wanted.put(t.key(), t)));
                        for (var it = pendingByTarget.entrySet().iterator(); it.hasNext(); ) {
                            var e = it.next();
                            if (!wanted.containsKey(e.getKey())) {
                                flush(e.getValue());
                                it.remove();
                                WebhookSender gone = senders.remove(e.getKey());
                                if (gone != null) {
                                    gone.stop();
                                }
                            }
                        }
                        Set<String> added = new java.util.HashSet<>();
                        for (WebhookTarget t : wanted.values()) {
                            Pending p = pendingByTarget.get(t.key());
                            if (p == null) {
                                pendingByTarget.put(t.key(), new Pending(t));
                                added.add(t.key());
                            } else {
                                p.target = t;
                                senders.get(t.key()).retarget(t);
                            }
                        }
                        if (!added.isEmpty()) {
                            queue.addTargets(added);
                            for (String key : added) {
                                senders.put(
                                        key, new WebhookSender(wanted.get(key), settings, queue, http, timings, debug));
                            }
                        }
                        targetsByApp = byApp;
                    })
                    .get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("applying changed webhook targets: {}", e.toString());
        }
    }

    /** The last deliveries and failures of the app's targets, newest first, at most {@code max}. */
    public List<WebhookSender.Delivery> recentDeliveries(String appId, int max) {
        List<WebhookSender.Delivery> out = new ArrayList<>();
        for (WebhookSender s : senders.values()) {
            if (s.appId().equals(appId)) {
                out.addAll(s.recent());
            }
        }
        out.sort(java.util.Comparator.comparingLong(WebhookSender.Delivery::atMillis)
                .reversed());
        return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
    }

    /** Whether any app has a webhook: without one, nothing needs to observe channels. */
    boolean active() {
        return !senders.isEmpty();
    }

    // --- ChannelObserver (event-loop threads) ---------------------------------------------------------

    @Override
    public long removalHoldMs(String appId) {
        return holds.settling() || !targetsByApp.containsKey(appId) ? 0 : settings.removalDelayMs();
    }

    @Override
    public void channelOccupied(ChannelKey channel, boolean returning) {
        if (!ChannelType.of(channel.name()).equals(ChannelType.SERVER_TO_USER)) {
            submit(() -> {
                if (returning) {
                    holds.reoccupied(channel); // back within the hold: neither event is sent
                } else {
                    emit(channel, WebhookEvent.channel("channel_occupied", channel.name()));
                }
            });
        }
    }

    @Override
    public void channelVacated(ChannelKey channel, boolean marked) {
        if (!ChannelType.of(channel.name()).equals(ChannelType.SERVER_TO_USER)) {
            submit(() -> holds.vacated(
                    channel,
                    marked,
                    () -> cluster.claimVacancy(channel),
                    () -> emit(channel, WebhookEvent.channel("channel_vacated", channel.name()))));
        }
    }

    @Override
    public void memberAdded(ChannelKey channel, String userId, boolean returning) {
        submit(() -> {
            if (returning) {
                holds.memberReturned(channel, userId);
            } else {
                emit(channel, WebhookEvent.member("member_added", channel.name(), userId));
            }
        });
    }

    @Override
    public void memberRemoved(ChannelKey channel, String userId, boolean marked) {
        submit(() -> holds.memberRemoved(
                channel,
                userId,
                marked,
                () -> cluster.claimDeparture(channel, userId),
                () -> emit(channel, WebhookEvent.member("member_removed", channel.name(), userId))));
    }

    @Override
    public void cacheMiss(ChannelKey channel) {
        submit(() -> emit(channel, WebhookEvent.channel("cache_miss", channel.name())));
    }

    @Override
    public void subscriptionCount(ChannelKey channel, long count) {
        submit(() ->
                emit(channel, new WebhookEvent("subscription_count", channel.name(), null, null, null, null, count)));
    }

    @Override
    public void clientEvent(ChannelKey channel, String event, String data, String socketId, String userId) {
        submit(() ->
                emit(channel, new WebhookEvent("client_event", channel.name(), userId, event, data, socketId, null)));
    }

    // --- the webhook thread ----------------------------------------------------------------------------

    private void submit(Runnable task) {
        if (!targetsByApp.isEmpty()) {
            try {
                thread.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.warn("webhook event after shutdown dropped");
            }
        }
    }

    private void emit(ChannelKey channel, WebhookEvent event) {
        List<WebhookTarget> targets = targetsByApp.get(channel.appId());
        if (targets == null) {
            return;
        }
        for (WebhookTarget target : targets) {
            if (target.wants(event)) {
                Pending p = pendingByTarget.get(target.key());
                p.events.add(event);
                if (p.events.size() >= settings.batchMaxEvents() || closed) {
                    flush(p);
                } else if (p.timer == null) {
                    p.timer = thread.schedule(() -> flush(p), settings.batchMaxDelayMs(), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private void flush(Pending p) {
        if (p.timer != null) {
            p.timer.cancel(false);
            p.timer = null;
        }
        if (p.events.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        queue.add(p.target.key(), WebhookBatch.body(now, p.events), now);
        p.events.clear();
    }

    // --- stats and shutdown -----------------------------------------------------------------------------

    /**
     * Per-app delivery counters.
     *
     * @param laneErrors failures that were not the receiver's (a request the HTTP client refused, a
     *     queue error), each retried like a failed POST
     * @param dropped batches dropped because a target's backlog passed {@code max_backlog_bytes}
     * @param oldestAgeMillis how long the oldest batch waiting has waited, over the app's targets
     */
    public record Stats(
            long delivered,
            long retried,
            long failed,
            long laneErrors,
            long dropped,
            long queued,
            long oldestAgeMillis) {}

    public Stats stats(String appId) {
        long delivered = 0;
        long retried = 0;
        long failed = 0;
        long laneErrors = 0;
        long dropped = 0;
        long queued = 0;
        long oldest = 0;
        long now = System.currentTimeMillis();
        for (WebhookSender s : senders.values()) {
            if (s.appId().equals(appId)) {
                delivered += s.delivered.get();
                retried += s.retried.get();
                failed += s.failed.get();
                laneErrors += s.laneErrors.get();
                dropped += s.dropped();
                queued += s.depth();
                long created = s.oldestMillis();
                if (created > 0) {
                    oldest = Math.max(oldest, now - created);
                }
            }
        }
        return new Stats(delivered, retried, failed, laneErrors, dropped, queued, oldest);
    }

    /**
     * Ends every hold while the broker's stores still answer: waits {@code grace} first (in a
     * cluster, clients told to reconnect come back on other nodes within moments, and their return
     * takes the marks), then emits each remaining held-back removal whose mark is still there.
     * Removals from then on are not held. Call before the broker closes.
     */
    public void settleHeld(Duration grace) {
        try {
            holds.settleAll(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("settling held-back webhooks on shutdown: {}", e.toString());
        }
    }

    /**
     * Emits the held-back removals now (see {@link #settleHeld}), stores every open batch, and
     * stops delivery; what is not
     * delivered yet stays in the durable queue for the next start (or, in a cluster, for the node
     * that delivers the target next).
     */
    @Override
    public void close() {
        try {
            thread.submit(() -> {
                        closed = true;
                        holds.close();
                        pendingByTarget.values().forEach(this::flush);
                    })
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("flushing webhooks on shutdown: {}", e.toString());
        }
        thread.shutdownNow();
        senders.values().forEach(WebhookSender::stop);
        for (WebhookSender s : senders.values()) {
            try {
                s.awaitStop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        httpExecutor.shutdownNow();
        queue.close();
    }

    /** A webhook URL as pages and logs show it: without user-info, query or fragment. */
    public static String shownUrl(String url) {
        return WebhookTarget.loggableUrl(url);
    }
}
