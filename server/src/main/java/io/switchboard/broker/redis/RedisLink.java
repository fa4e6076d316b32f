package io.switchboard.broker.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.event.connection.ReconnectAttemptEvent;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.switchboard.config.RedisSettings;
import io.switchboard.metrics.Latency;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import reactor.core.Disposable;

/**
 * The connections to Redis, standalone or cluster: one for commands, one for pub/sub (plain
 * {@code SUBSCRIBE}/{@code PUBLISH} on a single Redis, sharded {@code SSUBSCRIBE}/{@code
 * SPUBLISH} on a cluster so each message travels only to the shard that owns its channel).
 *
 * <p>Lettuce runs on its own small set of threads, never on the server's event loops. Every call
 * is asynchronous. While a single Redis is unreachable commands fail at once instead of queueing
 * (in a cluster they wait up to the command timeout, as node connections open lazily); Lettuce
 * reconnects in the background with a backoff of at most two seconds.
 */
final class RedisLink implements AutoCloseable {
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /** Receives pub/sub messages, on a Lettuce thread. */
    interface MessageHandler {
        void message(String channel, byte[] message);
    }

    private final RedisClients clients;
    private final StatefulConnection<String, byte[]> commandConnection;
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private final StatefulRedisPubSubConnection<String, byte[]> pubSub;
    private final boolean cluster;
    private final RedisHealth health;
    private final Latency roundTrip;
    private final Disposable events;
    /** Lost connections being reconnected. */
    private final AtomicInteger reconnecting = new AtomicInteger();

    private final LongAdder reconnects = new LongAdder();
    private volatile MessageHandler handler = (channel, message) -> {};
    private volatile boolean closing;

    private RedisLink(
            RedisClients clients,
            StatefulConnection<String, byte[]> commandConnection,
            RedisClusterAsyncCommands<String, byte[]> commands,
            StatefulRedisPubSubConnection<String, byte[]> pubSub,
            RedisHealth health,
            Latency roundTrip) {
        this.clients = clients;
        this.commandConnection = commandConnection;
        this.commands = commands;
        this.pubSub = pubSub;
        this.cluster = clients.isCluster();
        this.health = health;
        this.roundTrip = roundTrip;
        if (pubSub instanceof StatefulRedisClusterPubSubConnection<String, byte[]> c) {
            c.setNodeMessagePropagation(true);
            c.addListener(new RedisClusterPubSubAdapter<String, byte[]>() {
                @Override
                public void message(RedisClusterNode node, String channel, byte[] message) {
                    handler.message(channel, message);
                }

                @Override
                public void smessage(RedisClusterNode node, String channel, byte[] message) {
                    handler.message(channel, message);
                }
            });
        } else {
            pubSub.addListener(new RedisPubSubAdapter<String, byte[]>() {
                @Override
                public void message(String channel, byte[] message) {
                    handler.message(channel, message);
                }

                @Override
                public void smessage(String channel, byte[] message) {
                    handler.message(channel, message);
                }
            });
        }
        events = clients.resources().eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionDeactivatedEvent && !cluster && !closing) {
                // A single Redis: a closed connection means an outage right away. (In a cluster the
                // client also opens and closes short-lived connections, so only failed commands count.)
                health.lost("connection closed");
            } else if (event instanceof ReconnectAttemptEvent attempt && attempt.getAttempt() == 1) {
                // A lost connection's first attempt starts a reconnect, and an activation ends one;
                // activations with none pending are new connections (a cluster's nodes).
                reconnecting.incrementAndGet();
            } else if (event instanceof ConnectionActivatedEvent
                    && reconnecting.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                reconnects.increment();
            }
        });
    }

    /**
     * Connects, blocking until both connections are up.
     *
     * @throws IllegalStateException naming the Redis address when it cannot be reached
     */
    static RedisLink connect(RedisSettings settings, RedisHealth health, Latency roundTrip) {
        RedisClients clients;
        try {
            clients = RedisClients.create(settings);
        } catch (RuntimeException e) {
            throw cannotConnect(settings, e);
        }
        try {
            if (clients.isCluster()) {
                var connection = clients.cluster().connect(CODEC);
                StatefulRedisClusterPubSubConnection<String, byte[]> pubSub =
                        clients.cluster().connectPubSub(CODEC);
                return new RedisLink(clients, connection, connection.async(), pubSub, health, roundTrip);
            }
            var connection = clients.single().connect(CODEC);
            StatefulRedisPubSubConnection<String, byte[]> pubSub =
                    clients.single().connectPubSub(CODEC);
            return new RedisLink(clients, connection, connection.async(), pubSub, health, roundTrip);
        } catch (RuntimeException e) {
            clients.abandon();
            throw cannotConnect(settings, e);
        }
    }

    private static IllegalStateException cannotConnect(RedisSettings settings, RuntimeException e) {
        return new IllegalStateException(
                "cannot connect to Redis at " + describe(settings) + ": "
                        + RedisHealth.unwrap(e).getMessage(),
                e);
    }

    /** Where the settings point, for log lines: hosts and ports only, never credentials. */
    static String describe(RedisSettings settings) {
        if (!settings.cluster()) {
            return hostAndPort(settings.url());
        }
        List<String> hosts = new ArrayList<>();
        for (String url : settings.clusterNodes()) {
            hosts.add(hostAndPort(url));
        }
        return "cluster " + String.join(",", hosts);
    }

    private static String hostAndPort(String url) {
        try {
            RedisURI uri = RedisURI.create(url);
            return uri.getHost() + ":" + uri.getPort();
        } catch (RuntimeException e) {
            return "(invalid URL)";
        }
    }

    boolean cluster() {
        return cluster;
    }

    /**
     * Whether a heartbeat that went through may end an outage. On a single Redis an outage starts
     * when either connection closes, so it ends only once both are open again: a pub/sub connection
     * still reconnecting refuses the re-subscriptions that follow the heartbeat, which would start a
     * second outage at once. In a cluster only failed commands count.
     */
    boolean allConnected() {
        return cluster || (commandConnection.isOpen() && pubSub.isOpen());
    }

    /** Connections to Redis that were lost and opened again since start. */
    long reconnects() {
        return reconnects.sum();
    }

    void onMessage(MessageHandler handler) {
        this.handler = handler;
    }

    /** The command API; prefer {@link #call}, which records health. */
    RedisClusterAsyncCommands<String, byte[]> commands() {
        return commands;
    }

    /**
     * Runs one command, turning a command refused on the spot (Redis unreachable) into a failed
     * stage and recording the outcome in the health.
     */
    <T> CompletionStage<T> call(Supplier<? extends CompletionStage<T>> command) {
        long start = System.nanoTime();
        return recorded(attempt(command), start);
    }

    /** Runs a script by its SHA, sending its body when Redis does not have it (yet, or any more). */
    <T> CompletionStage<T> script(RedisScripts.Script script, ScriptOutputType type, String[] keys, byte[]... args) {
        long start = System.nanoTime();
        CompletionStage<T> stage = RedisLink.<T>attempt(() -> commands.evalsha(script.sha(), type, keys, args))
                .exceptionallyCompose(error -> RedisHealth.unwrap(error) instanceof RedisNoScriptException
                        ? attempt(() -> commands.<T>eval(script.body(), type, keys, args))
                        : CompletableFuture.failedFuture(error));
        return recorded(stage, start);
    }

    private static <T> CompletionStage<T> attempt(Supplier<? extends CompletionStage<T>> command) {
        try {
            return command.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Records the outcome in the health and, when Redis answered, the round trip since {@code start}. */
    private <T> CompletionStage<T> recorded(CompletionStage<T> stage, long start) {
        return stage.whenComplete((value, error) -> {
            if (error == null) {
                roundTrip.record(System.nanoTime() - start);
                health.succeeded();
            } else {
                health.failed(error);
            }
        });
    }

    CompletionStage<Long> publish(String channel, byte[] message) {
        return call(() -> cluster ? commands.spublish(channel, message) : commands.publish(channel, message));
    }

    CompletionStage<Void> subscribe(String channel) {
        RedisPubSubAsyncCommands<String, byte[]> c = pubSub.async();
        return call(() -> cluster ? c.ssubscribe(channel) : c.subscribe(channel));
    }

    CompletionStage<Void> unsubscribe(String channel) {
        RedisPubSubAsyncCommands<String, byte[]> c = pubSub.async();
        return call(() -> cluster ? c.sunsubscribe(channel) : c.unsubscribe(channel));
    }

    @Override
    public void close() {
        closing = true;
        if (events != null) {
            events.dispose();
        }
        try {
            pubSub.close();
            commandConnection.close();
        } finally {
            clients.close();
        }
    }
}
