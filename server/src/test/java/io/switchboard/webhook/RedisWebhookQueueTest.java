package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis webhook queue on a single Redis, which can also go away and come back. */
class RedisWebhookQueueTest extends RedisWebhookQueueContractTest {
    private static TestRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.standalone();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected TestRedis redis() {
        return redis;
    }

    @Test
    void batchesWaitingForRedisInMemoryAreCappedToo() throws Exception {
        RedisWebhookQueue node = node("n1", 1000);
        redis.stop();
        try {
            for (int i = 0; i < 10; i++) {
                node.add(TARGET, body("b" + i, 300), i);
            }
        } finally {
            redis.restart();
        }
        assertThat(node.dropped(TARGET)).isEqualTo(7);

        assertThat(takeAndAck(node, 3)).containsExactly("b7", "b8", "b9");
        assertThat(node.dropped(TARGET)).isEqualTo(7);
    }

    @Test
    void batchesFormedWhileRedisIsDownAreAppendedInOrderWhenItAnswers() throws Exception {
        RedisWebhookQueue node = node("n1");
        node.add(TARGET, "before", 1);
        assertThat(takeAndAck(node, 1)).containsExactly("before");

        redis.stop();
        node.add(TARGET, "during-1", 2);
        node.add(TARGET, "during-2", 3);
        redis.restart(); // empty, as a Redis without persistence comes back

        assertThat(takeAndAck(node, 2)).containsExactly("during-1", "during-2");
    }
}
