package io.switchboard.broker.redis;

import io.lettuce.core.ScriptOutputType;
import io.switchboard.broker.Broker;
import io.switchboard.broker.CacheStore;
import io.switchboard.broker.CountStore;
import io.switchboard.broker.HistoryStore;
import io.switchboard.broker.PresenceStore;
import io.switchboard.config.RedisSettings;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Command;
import io.switchboard.core.Envelope;
import io.switchboard.core.Retention;
import io.switchboard.metrics.Latency;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ServerFrames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes several Switchboard processes act as one through Redis (or a Redis Cluster).
 *
 * <p>Delivery is interest-based: this node subscribes to a channel's Redis pub/sub channel only
 * while it has local subscribers, and every publication (its own included) comes back through that
 * subscription, so each node delivers each event once. Presence, subscription counts, connection
 * counts and cache channels live in Redis ({@link RedisKeys}); this node also keeps its own record
 * of what it put there ({@link NodeLedger}) to put it back after Redis lost it. Node liveness and
 * the removal of dead nodes are in {@link RedisMembership}.
 *
 * <p>While Redis is unreachable the node keeps its connections; events published on this node
 * reach only this node's subscribers, events from other nodes do not arrive, presence subscribes
 * are refused, and {@link #healthy()} is false. Publications, cache writes and presence joins
 * carry a deadline ({@link RedisClock}), so a frozen Redis that resumes does not carry out what
 * this node gave up on. When Redis answers again the node subscribes again to every channel it has
 * subscribers on, re-registers its presence members and counts, and announces the members who
 * left meanwhile ({@link NodeLedger.Departure}).
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger("switchboard.broker");

    private final String nodeId;
    private final RedisSettings settings;
    private final RedisKeys keys;
    private final RedisHealth health;
    private final RedisLink link;
    private final RedisClock clock;
    private final NodeLedger ledger;
    private final RedisMembership membership;
    private final RedisPresence presence;
    private final RedisCounts counts;
    private final RedisCache cache;
    private final RedisHistory history;
    /** Channels with local subscribers; guarded by itself, so (un)subscribes reach Redis in order. */
    private final Map<ChannelKey, Interest> interest = new HashMap<>();

    private volatile Listener listener;
    private volatile boolean closed;
    /** Publications sent and not yet answered by Redis. */
    private final AtomicInteger publishing = new AtomicInteger();

    /** One channel's local interest: a reference count, as first/last reports may interleave. */
    private static final class Interest {
        int references;
        final CompletableFuture<Void> confirmed = new CompletableFuture<>();
    }

    private RedisBroker(RedisSettings settings, String nodeId, Latency roundTrip) {
        this.nodeId = nodeId;
        this.settings = settings;
        this.keys = new RedisKeys(settings.keyPrefix());
        this.health = new RedisHealth(
                2L * settings.heartbeatIntervalMs() + settings.commandTimeoutMs(),
                TimeUnit.MILLISECONDS,
                RedisLink.describe(settings));
        this.link = RedisLink.connect(settings, health, roundTrip);
        this.clock = new RedisClock(link.cluster(), settings.commandTimeoutMs());
        RedisMembership[] self = new RedisMembership[1];
        this.ledger = new NodeLedger(appId -> self[0].register(appId).whenComplete((n, error) -> {
            if (error != null) {
                self[0].markStale();
            }
        }));
        this.membership = new RedisMembership(
                link,
                keys,
                nodeId,
                ledger,
                settings,
                this::resubscribeAll,
                new RedisMembership.Outcome() {
                    @Override
                    public void memberGone(ChannelKey channel, String userId) {
                        if (ChannelType.of(channel.name()).presence()) {
                            // Not for a store entry under an internal name (a signed-in user):
                            // the listener tells whoever cares about those.
                            publish(channel, new Envelope(ServerFrames.memberRemoved(channel.name(), userId), null));
                        }
                        listener.memberReaped(channel, userId);
                    }

                    @Override
                    public void channelEmpty(ChannelKey channel) {
                        listener.channelReaped(channel);
                    }
                },
                health,
                clock);
        self[0] = membership;
        this.presence = new RedisPresence(link, keys, nodeId, ledger, clock, membership::markStale);
        this.counts = new RedisCounts(link, keys, nodeId, ledger, membership::markStale);
        this.cache = new RedisCache(link, keys, clock);
        this.history = new RedisHistory(link, keys);
    }

    /**
     * Connects to Redis; blocks until connected.
     *
     * @param nodeId this process's id in the cluster; must be unique among live nodes
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisBroker connect(RedisSettings settings, String nodeId) {
        return connect(settings, nodeId, Latency.NONE);
    }

    /**
     * Connects to Redis, recording the round trip of every command in {@code roundTrip}.
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisBroker connect(RedisSettings settings, String nodeId, Latency roundTrip) {
        return new RedisBroker(settings, nodeId, roundTrip);
    }

    /** Connections to Redis lost and opened again since start (the webhook queue's not included). */
    public long reconnects() {
        return link.reconnects();
    }

    public String nodeId() {
        return nodeId;
    }

    @Override
    public void start(Listener listener) {
        this.listener = listener;
        link.onMessage(this::onMessage);
        loadScripts();
        try {
            link.subscribe(keys.control())
                    .toCompletableFuture()
                    .get(settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            membership.markStale();
        }
        membership.start();
        log.info(
                "node {} joined the cluster through Redis at {} (heartbeat every {} ms, taken for dead after {} ms)",
                nodeId,
                RedisLink.describe(settings),
                settings.heartbeatIntervalMs(),
                settings.nodeTimeoutMs());
    }

    /**
     * Publishes through {@link RedisScripts#PUBLISH} with a deadline ({@link RedisClock}). When
     * Redis does not take the event in time, this node's own subscribers get it, and Redis, should
     * it run the publication later (it was frozen, not gone), finds the deadline passed and drops
     * it: no subscriber gets an event twice, and no other node gets one this node gave up on
     * (short of the stall {@link RedisClock} describes).
     */
    @Override
    public CompletionStage<Void> publish(ChannelKey channel, Envelope envelope) {
        if (envelope.history() != null) {
            return publishWithHistory(channel, envelope);
        }
        publishing.incrementAndGet();
        String name = keys.messages(channel);
        CompletionStage<List<Object>> reply = link.script(
                RedisScripts.PUBLISH,
                ScriptOutputType.MULTI,
                new String[] {name},
                RedisWire.event(envelope),
                RedisWire.utf8(clock.deadline(name)),
                RedisWire.utf8(link.cluster() ? 1 : 0));
        return reply.handle((r, error) -> {
            publishing.decrementAndGet();
            if (error == null) {
                clock.observed(name, RedisWire.number(r.get(1)));
            }
            if ((error != null || RedisWire.number(r.get(0)) < 0) && !closed) {
                listener.onEvent(channel, envelope);
            }
            return null;
        });
    }

    /**
     * Publishes an event of a history channel through {@link RedisScripts#PUBLISH_HISTORY}, which
     * gives it its serial and stores it in the same step. When Redis does not take it in time, this
     * node's own subscribers get it without a serial (it is in no history), as {@link #publish}
     * does for any event.
     */
    private CompletionStage<Void> publishWithHistory(ChannelKey channel, Envelope envelope) {
        publishing.incrementAndGet();
        String name = keys.messages(channel);
        Retention retention = envelope.history();
        CompletionStage<List<Object>> reply = link.script(
                RedisScripts.PUBLISH_HISTORY,
                ScriptOutputType.MULTI,
                new String[] {name, keys.history(channel), keys.serial(channel)},
                RedisWire.eventHead(envelope),
                envelope.frame(),
                RedisWire.utf8(clock.deadline(name)),
                RedisWire.utf8(link.cluster() ? 1 : 0),
                RedisWire.utf8(retention.maxEvents()),
                RedisWire.utf8(retention.maxAgeMs()),
                RedisWire.utf8(serialTtlMs(retention)));
        return reply.handle((r, error) -> {
            publishing.decrementAndGet();
            if (error == null) {
                clock.observed(name, RedisWire.number(r.get(1)));
            } else {
                log.debug("publishing to the history of {} failed: {}", channel, error.toString());
            }
            if ((error != null || RedisWire.number(r.get(0)) < 0) && !closed) {
                listener.onEvent(channel, new Envelope(envelope.frame(), envelope.excludeSocketId()));
            }
            return null;
        });
    }

    /** A channel's sequence outlives its history by far: lost, it restarts from the clock. */
    static long serialTtlMs(Retention retention) {
        return Math.max(2 * retention.maxAgeMs(), 32L * 86_400_000L);
    }

    @Override
    public void subscribe(ChannelKey channel) {
        synchronized (interest) {
            Interest i = interest.computeIfAbsent(channel, c -> new Interest());
            if (i.references++ == 0) {
                link.subscribe(keys.messages(channel)).whenComplete((v, error) -> {
                    if (error != null) {
                        membership.markStale(); // subscribed again once Redis answers
                    }
                    i.confirmed.complete(null);
                });
            }
        }
    }

    @Override
    public void unsubscribe(ChannelKey channel) {
        synchronized (interest) {
            Interest i = interest.get(channel);
            if (i == null || --i.references > 0) {
                return;
            }
            interest.remove(channel);
            link.unsubscribe(keys.messages(channel));
        }
    }

    @Override
    public CompletionStage<Void> whenSubscribed(ChannelKey channel) {
        synchronized (interest) {
            Interest i = interest.get(channel);
            return i == null ? CompletableFuture.completedFuture(null) : i.confirmed;
        }
    }

    /**
     * Puts the publishing scripts in Redis's script cache up front (on every node of a cluster). A
     * script Redis does not know is sent again with its body, and commands sent meanwhile overtake
     * it: a history event and a presence change published one after the other on one channel would
     * otherwise swap places the first time. Best effort: {@link RedisLink#script} still falls back.
     */
    private void loadScripts() {
        for (RedisScripts.Script script : List.of(RedisScripts.PUBLISH, RedisScripts.PUBLISH_HISTORY)) {
            link.call(() -> link.commands().scriptLoad(script.body()));
        }
    }

    /** Subscribes again to the control channel and every channel with local subscribers. */
    private void resubscribeAll() {
        loadScripts();
        List<ChannelKey> channels;
        synchronized (interest) {
            channels = new ArrayList<>(interest.keySet());
            link.subscribe(keys.control()).whenComplete((v, e) -> failed(e));
            for (ChannelKey channel : channels) {
                link.subscribe(keys.messages(channel)).whenComplete((v, e) -> failed(e));
            }
        }
        log.debug("subscribed again to {} channels", channels.size());
    }

    private void failed(Throwable error) {
        if (error != null) {
            membership.markStale();
        }
    }

    @Override
    public void broadcast(Command command) {
        link.publish(keys.control(), RedisWire.command(command)).whenComplete((receivers, error) -> {
            if (error != null && !closed) {
                listener.onCommand(command);
            }
        });
    }

    private void onMessage(String channelName, byte[] message) {
        Listener l = listener;
        if (l == null) {
            return;
        }
        ChannelKey channel = keys.channelOf(channelName);
        if (channel != null) {
            Envelope envelope = RedisWire.event(message);
            if (envelope != null) {
                l.onEvent(channel, envelope);
            }
        } else if (channelName.equals(keys.control())) {
            Command command = RedisWire.command(message);
            if (command != null) {
                l.onCommand(command);
            }
        }
    }

    @Override
    public PresenceStore presence() {
        return presence;
    }

    @Override
    public CountStore counts() {
        return counts;
    }

    @Override
    public CacheStore cache() {
        return cache;
    }

    @Override
    public HistoryStore history() {
        return history;
    }

    @Override
    public boolean healthy() {
        return !closed && health.healthy();
    }

    /**
     * Leaves the cluster: this node's presence members leave at once (with {@code member_removed}),
     * its counts and connections are taken back, then the connections to Redis close.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2L * settings.commandTimeoutMs());
            membership
                    .leave()
                    .thenCompose(v -> link.call(() -> link.commands().ping()))
                    .toCompletableFuture()
                    .get(2L * settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
            // The member_removed frames the leave published may travel on other connections (a
            // cluster shard's): let them reach Redis before those connections close.
            while (publishing.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn(
                    "could not remove this node's state from Redis ({}); the other nodes remove it after {} ms",
                    e.toString(),
                    settings.nodeTimeoutMs());
        } finally {
            closed = true;
            link.close();
        }
        log.info("node {} left the cluster", nodeId);
    }

    /**
     * Stops as a crashed process would: no heartbeat, connections dropped, nothing removed from
     * Redis. For tests of failure handling.
     */
    void halt() {
        closed = true;
        membership.halt();
        link.close();
    }
}
