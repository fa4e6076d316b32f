package io.switchboard.broker.redis;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerContractTest;
import io.switchboard.config.RedisSettings;
import io.switchboard.core.ChannelKey;
import io.switchboard.testing.TestRedis;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The broker contract on a Redis Cluster of three masters (sharded pub/sub). */
class RedisClusterBrokerContractTest extends BrokerContractTest {
    private static TestRedis redis;
    private static final AtomicInteger NODES = new AtomicInteger();
    private RedisSettings settings;

    @BeforeAll
    static void startCluster() {
        redis = TestRedis.cluster();
    }

    @AfterAll
    static void stopCluster() {
        redis.close();
    }

    @BeforeEach
    void freshKeys() {
        settings = redis.settings();
    }

    @Override
    protected Broker newBroker() {
        return RedisBroker.connect(settings, "cnode-" + NODES.incrementAndGet());
    }

    @Override
    protected boolean distributed() {
        return true;
    }

    @Override
    protected void crash(Broker broker) {
        ((RedisBroker) broker).halt();
    }

    @Override
    protected int deliveringTo(ChannelKey channel) {
        String name = new RedisKeys(settings.keyPrefix()).messages(channel);
        int total = 0;
        for (int port : redis.ports()) {
            long[] n = new long[1];
            TestRedis.with(port, c -> n[0] = c.sync().pubsubShardNumsub(name).getOrDefault(name, 0L));
            total += (int) n[0];
        }
        return total;
    }

    @Override
    protected void loseAllData() {
        redis.flushAll();
    }
}
