package io.switchboard.config;

import java.util.List;

/**
 * The {@code broker.redis:} section.
 *
 * @param url the Redis server, {@code redis://[:password@]host[:port][/db]} or {@code rediss://}
 *     for TLS; ignored when {@code clusterNodes} is not empty
 * @param clusterNodes seed URLs of a Redis Cluster; when not empty the broker runs in cluster mode
 *     (sharded pub/sub)
 * @param keyPrefix prefix of every key and pub/sub channel, so several deployments can share one
 *     Redis
 * @param heartbeatIntervalMs how often this node renews its heartbeat
 * @param nodeTimeoutMs how long after its last heartbeat a node counts as dead and its presence
 *     members, subscription counts and connections are removed by the others
 * @param commandTimeoutMs how long one Redis command may take before it counts as failed
 */
public record RedisSettings(
        String url,
        List<String> clusterNodes,
        String keyPrefix,
        int heartbeatIntervalMs,
        int nodeTimeoutMs,
        int commandTimeoutMs) {

    public static final RedisSettings DEFAULTS =
            new RedisSettings("redis://127.0.0.1:6379", List.of(), "switchboard:", 2000, 10000, 5000);

    public RedisSettings {
        clusterNodes = clusterNodes == null ? List.of() : List.copyOf(clusterNodes);
    }

    public boolean cluster() {
        return !clusterNodes.isEmpty();
    }

    /** A copy pointing at a single Redis server. */
    public RedisSettings withUrl(String newUrl) {
        return new RedisSettings(newUrl, List.of(), keyPrefix, heartbeatIntervalMs, nodeTimeoutMs, commandTimeoutMs);
    }

    /** A copy pointing at a Redis Cluster. */
    public RedisSettings withClusterNodes(List<String> seeds) {
        return new RedisSettings(url, seeds, keyPrefix, heartbeatIntervalMs, nodeTimeoutMs, commandTimeoutMs);
    }

    /** A copy with other heartbeat timings. */
    public RedisSettings withTimings(int newHeartbeatIntervalMs, int newNodeTimeoutMs) {
        return new RedisSettings(
                url, clusterNodes, keyPrefix, newHeartbeatIntervalMs, newNodeTimeoutMs, commandTimeoutMs);
    }

    /** A copy with another key prefix. */
    public RedisSettings withKeyPrefix(String prefix) {
        return new RedisSettings(url, clusterNodes, prefix, heartbeatIntervalMs, nodeTimeoutMs, commandTimeoutMs);
    }
}
