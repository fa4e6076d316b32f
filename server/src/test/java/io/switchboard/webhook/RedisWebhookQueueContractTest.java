package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.sync.RedisCommands;
import io.switchboard.config.RedisSettings;
import io.switchboard.config.WebhookSettings;
import io.switchboard.testing.TestRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Redis webhook queue on a real Redis: the queue contract with one node, and with queues
 * standing for nodes, the lease holder takes a target's batches in stream order whoever appended
 * them, and a new holder first gets what the old one took but did not finish. Runs on a single
 * Redis and on a Redis Cluster.
 */
abstract class RedisWebhookQueueContractTest extends WebhookQueueContractTest {
    private final List<RedisWebhookQueue> nodes = new ArrayList<>();
    RedisSettings settings;

    /** The Redis this class runs on. */
    protected abstract TestRedis redis();

    @BeforeEach
    void freshKeys() {
        settings = redis().settings();
    }

    /** Node n1, as it starts again and again within a test. */
    @Override
    protected WebhookQueue newQueue(long maxBacklogBytes) {
        return RedisWebhookQueue.connect(settings, "n1", maxBacklogBytes);
    }

    RedisWebhookQueue node(String id) {
        return node(id, WebhookSettings.DEFAULTS.maxBacklogBytes());
    }

    /** A node serving {@link #TARGET}, closed after the test. */
    RedisWebhookQueue node(String id, long maxBacklogBytes) {
        RedisWebhookQueue queue = RedisWebhookQueue.connect(settings, id, maxBacklogBytes);
        nodes.add(queue);
        queue.open(Set.of(TARGET));
        return queue;
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(RedisWebhookQueue::close);
    }

    String stream() {
        return RedisWebhookQueue.streamKey(settings.keyPrefix(), TARGET);
    }

    WebhookBatch take(WebhookQueue queue) throws Exception {
        return take(queue, TARGET);
    }

    /** Runs a command on the Redis server holding the target's keys. */
    <T> T atTarget(Function<RedisCommands<String, String>, T> command) {
        List<T> result = new ArrayList<>(1);
        for (int port : redis().ports()) {
            try {
                TestRedis.with(port, c -> result.add(command.apply(c.sync())));
                return result.get(0);
            } catch (RedisCommandExecutionException e) {
                if (!String.valueOf(e.getMessage()).startsWith("MOVED")) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("no server holds " + stream());
    }

    long streamLength() {
        return atTarget(c -> c.xlen(stream()));
    }

    long pendingEntries() {
        return atTarget(c -> c.xpending(stream(), RedisWebhookQueue.GROUP).getCount());
    }

    @Test
    void theLeaseHolderTakesBatchesAppendedOnEveryNodeInOrder() throws Exception {
        RedisWebhookQueue first = node("n1");
        RedisWebhookQueue second = node("n2");
        assertThat(first.delivering(TARGET)).isTrue();
        assertThat(second.delivering(TARGET)).isFalse();

        second.add(TARGET, "b1", 1);
        first.add(TARGET, "b2", 2);
        second.add(TARGET, "b3", 3);

        assertThat(takeAndAck(first, 3)).containsExactly("b1", "b2", "b3");
        assertThat(streamLength()).isZero();
        assertThat(pendingEntries()).isZero();
        assertThat(second.delivering(TARGET)).isFalse();
    }

    @Test
    void theHolderReportsTheBacklogAndWhenItsOldestBatchWasFormed() throws Exception {
        RedisWebhookQueue holder = node("n1");
        RedisWebhookQueue other = node("n2");
        other.add(TARGET, "b1", 1000);
        other.add(TARGET, "b2", 2000);

        await().atMost(WAIT).until(() -> holder.depth(TARGET) == 2 && holder.oldestMillis(TARGET) == 1000);
        assertThat(other.oldestMillis(TARGET)).as("only the holder reports").isZero();
        takeAndAck(holder, 1);
        await().atMost(WAIT).until(() -> holder.depth(TARGET) == 1 && holder.oldestMillis(TARGET) == 2000);
        takeAndAck(holder, 1);
        await().atMost(WAIT).until(() -> holder.depth(TARGET) == 0 && holder.oldestMillis(TARGET) == 0);
    }

    @Test
    void theCapHoldsForTheStreamWhicheverNodesAppendedAndEachCountsWhatItsAppendsDropped() throws Exception {
        RedisWebhookQueue holder = node("n1", 1000);
        RedisWebhookQueue other = node("n2", 1000);
        for (int i = 0; i < 5; i++) {
            holder.add(TARGET, body("b" + i, 300), i);
            other.add(TARGET, body("c" + i, 300), i);
        }

        assertThat(streamLength()).isEqualTo(3);
        assertThat(holder.dropped(TARGET) + other.dropped(TARGET))
                .as("every node counts what its appends dropped")
                .isEqualTo(7);
        assertThat(takeAndAck(holder, 3)).containsExactly("c3", "b4", "c4");
    }

    @Test
    void aNewHolderFirstDeliversWhatThePreviousHolderLeftUnfinished() throws Exception {
        RedisWebhookQueue first = node("n1");
        RedisWebhookQueue second = node("n2");
        first.add(TARGET, "b1", 1);
        first.add(TARGET, "b2", 2);
        WebhookBatch taken = take(first); // n1 read b1 and b2 and is sending b1
        assertThat(taken.body()).isEqualTo("b1");
        assertThat(taken.createdMillis()).isEqualTo(1);
        second.add(TARGET, "b3", 3);

        // n1's lease expired (a stalled or dead node) and n2 took it.
        atTarget(c -> c.set(stream() + ":lease", "n2"));
        await().atMost(WAIT).until(() -> second.delivering(TARGET) && !first.delivering(TARGET));

        assertThat(takeAndAck(second, 3)).containsExactly("b1", "b2", "b3");
        assertThat(streamLength()).isZero();
        assertThat(pendingEntries()).isZero();
        // n1 has nothing pending any more, so it is no longer listed as a consumer.
        List<Object> consumers = atTarget(c -> c.xinfoConsumers(stream(), RedisWebhookQueue.GROUP));
        assertThat(consumers).hasSize(1);
    }
}
