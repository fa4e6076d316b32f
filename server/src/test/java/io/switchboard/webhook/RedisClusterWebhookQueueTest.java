package io.switchboard.webhook;

import io.switchboard.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Redis webhook queue on a Redis Cluster of three masters: a target's keys share one slot. */
class RedisClusterWebhookQueueTest extends RedisWebhookQueueContractTest {
    private static TestRedis redis;

    @BeforeAll
    static void startCluster() {
        redis = TestRedis.cluster();
    }

    @AfterAll
    static void stopCluster() {
        redis.close();
    }

    @Override
    protected TestRedis redis() {
        return redis;
    }
}
