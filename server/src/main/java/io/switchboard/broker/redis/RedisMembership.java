package io.switchboard.broker.redis;

import static io.switchboard.broker.redis.RedisWire.utf8;

import io.lettuce.core.ScriptOutputType;
import io.switchboard.config.RedisSettings;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of the cluster: it renews a heartbeat, puts its own state back when Redis
 * lost it, and removes the state of nodes whose heartbeat expired.
 *
 * <p>Heartbeats are entries of one sorted set scored with their expiry in Redis time, so node
 * clocks do not matter and each node's own {@code node_timeout_ms} applies to it. A dead node is
 * claimed by a script, so exactly one live node reaps it; the reaper reports each user whose last
 * connection was there and each channel left empty. A node reaps only after it has itself
 * heartbeated without failure for a whole node timeout, so after an outage the others have had
 * time to renew their heartbeats before anyone judges them; the departures this node could not
 * write during the outage ({@link NodeLedger.Departure}) wait for the same, then are settled.
 */
final class RedisMembership {
    private static final Logger log = LoggerFactory.getLogger("switchboard.broker");

    /** What a reconcile or reap took away, to be told to clients and the server. */
    interface Outcome {
        void memberGone(ChannelKey channel, String userId);

        void channelEmpty(ChannelKey channel);
    }

    private final RedisLink link;
    private final RedisKeys keys;
    private final String nodeId;
    private final NodeLedger ledger;
    private final RedisSettings settings;
    private final Runnable resubscribe;
    private final Outcome outcome;
    private final RedisHealth health;
    private final RedisClock clock;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean stale = new AtomicBoolean(true);
    private final AtomicBoolean ticking = new AtomicBoolean();
    private volatile long healthySince = -1;
    private volatile boolean stopped;
    private volatile boolean firstBeat = true;

    RedisMembership(
            RedisLink link,
            RedisKeys keys,
            String nodeId,
            NodeLedger ledger,
            RedisSettings settings,
            Runnable resubscribe,
            Outcome outcome,
            RedisHealth health,
            RedisClock clock) {
        this.link = link;
        this.keys = keys;
        this.nodeId = nodeId;
        this.ledger = ledger;
        this.settings = settings;
        this.resubscribe = resubscribe;
        this.outcome = outcome;
        this.health = health;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-redis-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** Something this node changed may not have reached Redis: re-register at the next beat. */
    void markStale() {
        stale.set(true);
    }

    /**
     * Sends the first heartbeat, clears what an earlier process with this node id left behind,
     * then beats every {@code heartbeat_interval_ms}. Blocks for at most a few command timeouts.
     */
    void start() {
        ticking.set(true);
        try {
            tick().whenComplete((v, e) -> ticking.set(false))
                    .toCompletableFuture()
                    .get(3L * settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("first heartbeat to Redis did not complete ({}); retrying in the background", e.toString());
        }
        long interval = settings.heartbeatIntervalMs();
        timer.scheduleWithFixedDelay(this::beat, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        if (stopped || !ticking.compareAndSet(false, true)) {
            return;
        }
        tick().whenComplete((v, e) -> ticking.set(false));
    }

    private CompletionStage<Void> tick() {
        CompletionStage<List<Object>> beat = link.script(
                RedisScripts.HEARTBEAT,
                ScriptOutputType.MULTI,
                new String[] {keys.nodes(), keys.reaping()},
                utf8(nodeId),
                utf8(settings.nodeTimeoutMs()));
        return beat.thenCompose(reply -> {
                    if (link.allConnected()) {
                        health.heartbeat();
                    } else {
                        // Redis answers, but the other connection is still coming back: the outage
                        // goes on, and what needs it (re-subscribing) is retried on the next beat.
                        health.succeeded();
                    }
                    clock.observed(keys.nodes(), RedisWire.number(reply.get(3)));
                    long now = System.nanoTime();
                    if (healthySince < 0) {
                        healthySince = now;
                    }
                    boolean missing = RedisWire.number(reply.get(0)) == 1;
                    if (missing && !firstBeat) {
                        log.info("this node's heartbeat was missing from Redis (Redis lost its data, or this node was"
                                + " taken for dead); registering this node's state again");
                        stale.set(true);
                        // Every node needs time to put its share back before anyone's departures
                        // are settled against it, or its dead nodes reaped.
                        healthySince = now;
                        ledger.departuresLost();
                    }
                    firstBeat = false;
                    // Every live node has heartbeated since, and put its share back.
                    boolean everyoneBack =
                            now - healthySince >= TimeUnit.MILLISECONDS.toNanos(settings.nodeTimeoutMs());
                    boolean resync = stale.getAndSet(false) || (everyoneBack && ledger.departuresPlaced());
                    CompletionStage<Void> step =
                            resync && !stopped ? sync(everyoneBack) : CompletableFuture.completedFuture(null);
                    if (everyoneBack) {
                        Set<String> dead = new LinkedHashSet<>();
                        dead.addAll(texts(reply.get(1)));
                        dead.addAll(texts(reply.get(2)));
                        dead.remove(nodeId);
                        if (!dead.isEmpty()) {
                            step = step.thenCompose(v -> reapAll(dead));
                        }
                    }
                    return step;
                })
                .whenComplete((v, error) -> {
                    if (error != null) {
                        healthySince = -1;
                        stale.set(true);
                    }
                });
    }

    /**
     * Re-subscribes and makes Redis hold exactly this node's record, app by app.
     *
     * @param settle whether every node has had time to put its share back since Redis last lost
     *     data: departures already put back are then removed (and reported when they were a
     *     user's last connection)
     */
    private CompletionStage<Void> sync(boolean settle) {
        resubscribe.run();
        List<String> recorded = ledger.appIds();
        return appsOf(nodeId)
                .thenCompose(registered -> {
                    Set<String> apps = new LinkedHashSet<>(recorded);
                    apps.addAll(registered);
                    List<CompletableFuture<?>> steps = new ArrayList<>();
                    for (String appId : recorded) {
                        if (!registered.contains(appId)) {
                            steps.add(register(appId).toCompletableFuture());
                        }
                    }
                    for (String appId : apps) {
                        steps.add(reconcile(appId, nodeId, ledger.existing(appId), settle)
                                .toCompletableFuture());
                    }
                    return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new));
                })
                .whenComplete((v, error) -> {
                    if (error != null) {
                        stale.set(true);
                    }
                });
    }

    /** Records that this node has state in {@code appId}, for whoever reaps it. */
    CompletionStage<Long> register(String appId) {
        return link.call(() -> link.commands().sadd(keys.nodeApps(nodeId), utf8(appId)));
    }

    private CompletionStage<Void> reapAll(Set<String> dead) {
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (String node : dead) {
            chain = chain.thenCompose(v -> stopped ? CompletableFuture.completedFuture(null) : claimAndReap(node));
        }
        return chain;
    }

    private CompletionStage<Void> claimAndReap(String node) {
        return link.<Long>script(
                        RedisScripts.CLAIM,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.nodes(), keys.reaping()},
                        utf8(node),
                        utf8(Math.max(30_000L, 3L * settings.nodeTimeoutMs())))
                .thenCompose(claimed -> claimed == 1 ? reap(node) : CompletableFuture.completedFuture(null));
    }

    private CompletionStage<Void> reap(String node) {
        log.info("node {} stopped heartbeating: removing its connections, presence members and subscriptions", node);
        return removeAll(node)
                .thenCompose(v -> link.call(() -> link.commands().zrem(keys.reaping(), utf8(node))))
                .thenAccept(v -> {});
    }

    /** Takes everything {@code node} registered out of Redis (its heartbeat already gone). */
    private CompletionStage<Void> removeAll(String node) {
        return appsOf(node)
                .thenCompose(apps -> {
                    List<CompletableFuture<?>> steps = new ArrayList<>();
                    for (String appId : apps) {
                        // This node's own record on a clean leave (emptied, but for joins Redis may
                        // hold that nobody was told of), nothing for a dead node.
                        NodeLedger.AppRecord record = node.equals(nodeId) ? ledger.existing(appId) : null;
                        steps.add(reconcile(appId, node, record, true).toCompletableFuture());
                    }
                    return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new));
                })
                .thenCompose(v -> link.call(() -> link.commands().del(keys.nodeApps(node))))
                .thenAccept(v -> {});
    }

    /**
     * Stops beating and removes this node from the cluster at once (clean shutdown): its presence
     * members leave (reported through the outcome), its counts and connections are taken back.
     */
    CompletionStage<Void> leave() {
        stopped = true;
        timer.shutdownNow();
        for (String appId : ledger.appIds()) {
            NodeLedger.AppRecord record = ledger.existing(appId);
            synchronized (record) {
                record.clear();
            }
        }
        return link.call(() -> link.commands().zrem(keys.nodes(), utf8(nodeId))).thenCompose(v -> removeAll(nodeId));
    }

    /** Stops beating without removing anything, as a crash would. */
    void halt() {
        stopped = true;
        timer.shutdownNow();
    }

    /**
     * Runs {@link RedisScripts#RECONCILE} for one node in one app.
     *
     * @param record what the node should hold, or {@code null} for nothing
     * @param settle whether departures already in Redis are removed now (see {@link #sync})
     */
    private CompletionStage<Void> reconcile(String appId, String node, NodeLedger.AppRecord record, boolean settle) {
        List<byte[]> args = new ArrayList<>();
        args.add(utf8(keys.app(appId)));
        args.add(utf8(node));
        String[] scriptKeys = {keys.subscriptions(appId)};
        CompletionStage<List<Object>> reply;
        List<NodeLedger.Departure> placing = new ArrayList<>();
        List<NodeLedger.Departure> settling = new ArrayList<>();
        List<String[]> dropping = new ArrayList<>();
        if (record == null) {
            for (int i = 0; i < 6; i++) {
                args.add(utf8(0));
            }
            reply = link.script(
                    RedisScripts.RECONCILE, ScriptOutputType.MULTI, scriptKeys, args.toArray(byte[][]::new));
        } else {
            synchronized (record) {
                // Slots being taken right now may or may not be counted in Redis yet.
                args.add(utf8(record.connections));
                args.add(utf8(record.connections + record.acquiring));
                args.add(utf8(record.subscriptions.size()));
                record.subscriptions.forEach((channel, n) -> {
                    args.add(utf8(channel));
                    args.add(utf8(n));
                });
                // Departures not yet in Redis (or not settled yet) are wanted like live
                // connections: clients still count them, and their removal must be reported by
                // whoever removes the user's last connection.
                record.departed
                        .values()
                        .forEach(sockets ->
                                sockets.values().forEach(d -> (settle && d.placed ? settling : placing).add(d)));
                int entries = placing.size();
                for (var sockets : record.presence.values()) {
                    entries += sockets.size();
                }
                args.add(utf8(entries));
                record.presence.forEach((channel, sockets) -> sockets.forEach((socket, member) -> {
                    addPresence(args, channel, socket, member);
                }));
                placing.forEach(d -> addPresence(args, d.channel, d.socketId, d.member));
                List<String[]> kept = new ArrayList<>();
                record.joining.forEach((channel, sockets) -> sockets.forEach(s -> kept.add(new String[] {channel, s})));
                record.leaving.forEach((channel, sockets) -> sockets.forEach(s -> kept.add(new String[] {channel, s})));
                addSockets(args, kept);
                record.abandoned.forEach(
                        (channel, sockets) -> sockets.forEach(s -> dropping.add(new String[] {channel, s})));
                addSockets(args, dropping);
                reply = link.script(
                        RedisScripts.RECONCILE, ScriptOutputType.MULTI, scriptKeys, args.toArray(byte[][]::new));
            }
        }
        return reply.handle((r, error) -> {
                    if (record != null) {
                        synchronized (record) {
                            if (error == null) {
                                record.reconciled(placing, settling, dropping);
                            } else {
                                record.reconcileFailed(settling);
                            }
                        }
                    }
                    if (error != null) {
                        throw new CompletionException(RedisHealth.unwrap(error));
                    }
                    return r;
                })
                .thenAccept(r -> {
                    List<?> removed = (List<?>) r.get(0);
                    for (int i = 0; i + 1 < removed.size(); i += 2) {
                        outcome.memberGone(
                                new ChannelKey(appId, RedisWire.text(removed.get(i))),
                                RedisWire.text(removed.get(i + 1)));
                    }
                    for (Object channel : (List<?>) r.get(1)) {
                        outcome.channelEmpty(new ChannelKey(appId, RedisWire.text(channel)));
                    }
                });
    }

    private static void addPresence(List<byte[]> args, String channel, String socket, Member member) {
        args.add(utf8(channel));
        args.add(utf8(socket));
        args.add(utf8(member.userId()));
        args.add(utf8(member.userInfo() == null ? "" : member.userInfo()));
    }

    private static void addSockets(List<byte[]> args, List<String[]> sockets) {
        args.add(utf8(sockets.size()));
        for (String[] at : sockets) {
            args.add(utf8(at[0]));
            args.add(utf8(at[1]));
        }
    }

    /** The apps {@code node} registered state in. */
    private CompletionStage<Set<String>> appsOf(String node) {
        return link.<Set<byte[]>>call(() -> link.commands().smembers(keys.nodeApps(node)))
                .thenApply(members -> {
                    Set<String> out = new LinkedHashSet<>();
                    for (byte[] m : members) {
                        out.add(RedisWire.text(m));
                    }
                    return out;
                });
    }

    private static List<String> texts(Object redisArray) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) redisArray) {
            out.add(RedisWire.text(o));
        }
        return out;
    }
}
