package io.switchboard.broker.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.switchboard.config.RedisSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How every Redis client of a node is built (the broker's and the webhook queue's): its own small
 * thread pools (never the server's event loops), fast reconnects with backoff, command timeouts,
 * TCP keep-alive; a single server rejects commands at once while disconnected, a cluster's
 * commands wait up to the timeout for the node connections it opens on first use. The caller
 * connects with the codec it needs and closes this with its connections.
 */
public final class RedisClients implements AutoCloseable {
    static {
        // Lettuce runs on epoll. The io_uring classes on the class path are there for server.io;
        // left enabled for Lettuce they only make it warn at every client start that it chose epoll.
        if (System.getProperty("io.lettuce.core.iouring") == null) {
            System.setProperty("io.lettuce.core.iouring", "false");
        }
    }

    private final ClientResources resources;
    private final RedisClient single;
    private final RedisClusterClient cluster;
    private final Duration timeout;

    private RedisClients(ClientResources resources, RedisClient single, RedisClusterClient cluster, Duration timeout) {
        this.resources = resources;
        this.single = single;
        this.cluster = cluster;
        this.timeout = timeout;
    }

    /** A client for the settings' single server or cluster; nothing is connected yet. */
    public static RedisClients create(RedisSettings settings) {
        Duration timeout = Duration.ofMillis(settings.commandTimeoutMs());
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        SocketOptions socket =
                SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
        try {
            if (settings.cluster()) {
                List<RedisURI> seeds = new ArrayList<>();
                for (String url : settings.clusterNodes()) {
                    seeds.add(uri(url, timeout));
                }
                RedisClusterClient client = RedisClusterClient.create(resources, seeds);
                // Connections to the cluster's nodes open on first use, so commands must wait for
                // them rather than fail; during an outage they fail after the command timeout.
                client.setOptions(ClusterClientOptions.builder()
                        .autoReconnect(true)
                        .timeoutOptions(TimeoutOptions.enabled(timeout))
                        .socketOptions(socket)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enablePeriodicRefresh(Duration.ofSeconds(30))
                                .build())
                        .build());
                return new RedisClients(resources, null, client, timeout);
            }
            RedisClient client = RedisClient.create(resources, uri(settings.url(), timeout));
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    .build());
            return new RedisClients(resources, client, null, timeout);
        } catch (RuntimeException e) {
            resources.shutdown(0, settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static RedisURI uri(String url, Duration timeout) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(timeout);
        return uri;
    }

    /** True for a Redis Cluster: then {@link #cluster()} is the client, else {@link #single()}. */
    public boolean isCluster() {
        return cluster != null;
    }

    public RedisClient single() {
        return single;
    }

    public RedisClusterClient cluster() {
        return cluster;
    }

    ClientResources resources() {
        return resources;
    }

    /** Closes the client and its thread pools without waiting for commands still under way. */
    @Override
    public void close() {
        AbstractRedisClient client = single != null ? single : cluster;
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Closes after a failed start, waiting at most the command timeout. */
    public void abandon() {
        AbstractRedisClient client = single != null ? single : cluster;
        try {
            client.shutdown(Duration.ZERO, timeout);
        } finally {
            resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
