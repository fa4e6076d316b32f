package io.switchboard.webhook;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.switchboard.broker.redis.RedisClients;
import io.switchboard.config.RedisSettings;

/**
 * The webhook queue's own connection to the broker's Redis, a single server or a cluster, with the
 * broker's timeouts: commands time out after {@code command_timeout_ms}; while a single Redis is
 * unreachable they fail at once; Lettuce reconnects in the background (at most two seconds apart).
 * Thread-safe; the synchronous commands block the caller, so never use them on an event loop.
 */
final class WebhookRedisConnection implements AutoCloseable {
    private final RedisClients clients;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> sync;
    private final RedisClusterAsyncCommands<String, String> async;

    private WebhookRedisConnection(
            RedisClients clients,
            StatefulConnection<String, String> connection,
            RedisClusterCommands<String, String> sync,
            RedisClusterAsyncCommands<String, String> async) {
        this.clients = clients;
        this.connection = connection;
        this.sync = sync;
        this.async = async;
    }

    /**
     * Connects, blocking until connected.
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    static WebhookRedisConnection open(RedisSettings settings) {
        RedisClients clients = null;
        try {
            clients = RedisClients.create(settings);
            if (clients.isCluster()) {
                StatefulRedisClusterConnection<String, String> c =
                        clients.cluster().connect();
                return new WebhookRedisConnection(clients, c, c.sync(), c.async());
            }
            StatefulRedisConnection<String, String> c = clients.single().connect();
            return new WebhookRedisConnection(clients, c, c.sync(), c.async());
        } catch (RuntimeException e) {
            if (clients != null) {
                clients.abandon();
            }
            throw new IllegalStateException("cannot connect to Redis for the webhook queue: " + e.getMessage(), e);
        }
    }

    /** Commands that block until Redis answers or the command timeout passes. */
    RedisClusterCommands<String, String> sync() {
        return sync;
    }

    /** The same commands, answering with futures (to pipeline several). */
    RedisClusterAsyncCommands<String, String> async() {
        return async;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            clients.close();
        }
    }
}
