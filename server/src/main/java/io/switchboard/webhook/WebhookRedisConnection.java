package io.switchboard.webhook;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.resource.ClientResources;
import io.switchboard.broker.RedisClientSetup;
import io.switchboard.config.RedisSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The webhook queue's own connection to the broker's Redis, a single server or a cluster, with the
 * broker's timeouts: commands time out after {@code command_timeout_ms}; while a single Redis is
 * unreachable they fail at once; Lettuce reconnects in the background (at most two seconds apart).
 * Thread-safe; the synchronous commands block the caller, so never use them on an event loop.
 */
final class WebhookRedisConnection implements AutoCloseable {
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> sync;
    private final RedisClusterAsyncCommands<String, String> async;

    private WebhookRedisConnection(
            ClientResources resources,
            AbstractRedisClient client,
            StatefulConnection<String, String> connection,
            RedisClusterCommands<String, String> sync,
            RedisClusterAsyncCommands<String, String> async) {
        this.resources = resources;
        this.client = client;
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
        Duration timeout = Duration.ofMillis(settings.commandTimeoutMs());
        ClientResources resources = RedisClientSetup.resources();
        SocketOptions socket = RedisClientSetup.socketOptions(timeout);
        AbstractRedisClient client = null;
        try {
            if (settings.cluster()) {
                List<RedisURI> seeds = new ArrayList<>();
                for (String url : settings.clusterNodes()) {
                    seeds.add(uri(url, timeout));
                }
                RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
                client = cluster;
                cluster.setOptions(ClusterClientOptions.builder()
                        .autoReconnect(true)
                        .timeoutOptions(TimeoutOptions.enabled(timeout))
                        .socketOptions(socket)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enablePeriodicRefresh(Duration.ofSeconds(30))
                                .build())
                        .build());
                StatefulRedisClusterConnection<String, String> c = cluster.connect();
                return new WebhookRedisConnection(resources, cluster, c, c.sync(), c.async());
            }
            RedisClient single = RedisClient.create(resources, uri(settings.url(), timeout));
            client = single;
            single.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    .build());
            StatefulRedisConnection<String, String> c = single.connect();
            return new WebhookRedisConnection(resources, single, c, c.sync(), c.async());
        } catch (RuntimeException e) {
            if (client != null) {
                client.shutdown(Duration.ZERO, timeout);
            }
            resources.shutdown(0, settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot connect to Redis for the webhook queue: " + e.getMessage(), e);
        }
    }

    private static RedisURI uri(String url, Duration timeout) {
        return RedisClientSetup.uri(url, timeout);
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
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
