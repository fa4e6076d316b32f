package io.switchboard.broker.redis;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerContractTest;
import io.switchboard.config.RedisSettings;
import io.switchboard.core.ChannelKey;
import io.switchboard.testing.TestRedis;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The broker contract on Redis, nodes as separate broker instances: on a single server, and on a
 * Redis Cluster of three masters (sharded pub/sub).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(RedisBrokerContractTest.Topology.class)
class RedisBrokerContractTest extends BrokerContractTest {
    enum Topology {
        STANDALONE,
        CLUSTER
    }

    private static final AtomicInteger NODES = new AtomicInteger();
    private static TestRedis redis;

    @Parameter
    Topology topology;

    private RedisSettings settings;

    @BeforeParameterizedClassInvocation
    static void startRedis(Topology topology) {
        redis = topology == Topology.CLUSTER ? TestRedis.cluster() : TestRedis.standalone();
    }

    @AfterParameterizedClassInvocation
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void freshKeys() {
        settings = redis.settings();
    }

    @Override
    protected Broker newBroker() {
        return RedisBroker.connect(settings, "node-" + NODES.incrementAndGet());
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
            TestRedis.with(
                    port,
                    c -> n[0] = topology == Topology.CLUSTER
                            ? c.sync().pubsubShardNumsub(name).getOrDefault(name, 0L)
                            : c.sync().pubsubNumsub(name).getOrDefault(name, 0L));
            total += (int) n[0];
        }
        return total;
    }

    @Override
    protected void loseAllData() {
        redis.flushAll();
    }
}
