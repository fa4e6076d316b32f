package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.config.WebhookSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link WebhookQueue} must do, run against each implementation: one ordered lane per
 * target, batches beyond {@code max_backlog_bytes} dropped oldest first and counted, and what was
 * not acknowledged delivered again, in order, after a restart. A restart is a new queue on the same
 * storage (the same directory, the same Redis and node id).
 */
abstract class WebhookQueueContractTest {
    static final String TARGET = "a http://127.0.0.1:9/hooks";
    static final String OTHER = "a http://127.0.0.1:9/other";
    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<WebhookQueue> opened = new ArrayList<>();
    private final ExecutorService takers = Executors.newVirtualThreadPerTaskExecutor();

    /** A new, not yet opened queue on this test's storage, as a node (re)starting makes it. */
    protected abstract WebhookQueue newQueue(long maxBacklogBytes);

    /** A queue serving {@link #TARGET} and {@link #OTHER}, closed after the test. */
    WebhookQueue queue() {
        return queue(WebhookSettings.DEFAULTS.maxBacklogBytes());
    }

    WebhookQueue queue(long maxBacklogBytes) {
        WebhookQueue queue = newQueue(maxBacklogBytes);
        opened.add(queue);
        queue.open(Set.of(TARGET, OTHER));
        return queue;
    }

    /** Closes a queue as a node stopping does; what it did not acknowledge stays stored. */
    void stop(WebhookQueue queue) {
        opened.remove(queue);
        queue.close();
    }

    @AfterEach
    void closeQueues() {
        takers.shutdownNow(); // a taker still blocked is interrupted, not left to take a later batch
        opened.forEach(WebhookQueue::close);
    }

    /** A batch body of exactly {@code bytes} bytes, named {@code name} at its start. */
    static String body(String name, int bytes) {
        return name + "-".repeat(bytes - name.length());
    }

    /** The name {@link #body} put at the start of a batch. */
    static String name(WebhookBatch batch) {
        return batch.body().replaceAll("-+$", "");
    }

    /**
     * Takes the next batch of {@code target}, failing the test when none comes within {@link
     * #WAIT}; the blocked taker is then interrupted so that it cannot take a later batch.
     */
    WebhookBatch take(WebhookQueue queue, String target) throws Exception {
        Future<WebhookBatch> next = takers.submit(() -> queue.take(target));
        try {
            return next.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            next.cancel(true);
            throw new AssertionError("no batch of " + target + " within " + WAIT, e);
        } catch (ExecutionException e) {
            throw new AssertionError("taking a batch of " + target + " failed", e.getCause());
        }
    }

    /** Takes and acknowledges {@code count} batches of {@link #TARGET}; returns their names. */
    List<String> takeAndAck(WebhookQueue queue, int count) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            WebhookBatch batch = take(queue, TARGET);
            names.add(name(batch));
            queue.ack(batch);
        }
        return names;
    }

    @Test
    void batchesAreTakenInTheOrderTheyWereAddedAndLeaveWhenAcknowledged() throws Exception {
        WebhookQueue queue = queue();
        queue.add(TARGET, "b1", 1000);
        queue.add(TARGET, "b2", 2000);
        queue.add(TARGET, "b3", 3000);
        await().atMost(WAIT).until(() -> queue.depth(TARGET) == 3 && queue.oldestMillis(TARGET) == 1000);

        WebhookBatch first = take(queue, TARGET);
        assertThat(first.body()).isEqualTo("b1");
        assertThat(first.target()).isEqualTo(TARGET);
        assertThat(first.createdMillis()).isEqualTo(1000);
        assertThat(queue.delivering(TARGET)).isTrue();
        queue.ack(first);
        await().atMost(WAIT).until(() -> queue.depth(TARGET) == 2 && queue.oldestMillis(TARGET) == 2000);

        assertThat(takeAndAck(queue, 2)).containsExactly("b2", "b3");
        await().atMost(WAIT).until(() -> queue.depth(TARGET) == 0 && queue.oldestMillis(TARGET) == 0);
        assertThat(queue.dropped(TARGET)).isZero();
    }

    @Test
    void eachTargetHasItsOwnLane() throws Exception {
        WebhookQueue queue = queue();
        queue.add(TARGET, "t1", 1);
        queue.add(OTHER, "o1", 2);
        queue.add(TARGET, "t2", 3);

        WebhookBatch stuck = take(queue, TARGET); // its receiver hangs
        assertThat(stuck.body()).isEqualTo("t1");
        WebhookBatch other = take(queue, OTHER);
        assertThat(other.body()).as("a lane does not wait for another").isEqualTo("o1");
        queue.ack(other);
        queue.ack(stuck);
        assertThat(take(queue, TARGET).body()).isEqualTo("t2");
        await().atMost(WAIT).until(() -> queue.depth(OTHER) == 0);
    }

    @Test
    void aLaneKeepsOnlyTheNewestBatchesWithinTheCapAndCountsWhatItDropped() throws Exception {
        WebhookQueue queue = queue(1000);
        for (int i = 0; i < 10; i++) {
            queue.add(TARGET, body("b" + i, 300), i);
        }
        queue.add(OTHER, body("o", 900), 10);

        assertThat(queue.dropped(TARGET)).isEqualTo(7);
        assertThat(queue.dropped(OTHER)).as("the cap is per target").isZero();
        assertThat(takeAndAck(queue, 3)).containsExactly("b7", "b8", "b9");
        assertThat(name(take(queue, OTHER))).isEqualTo("o");

        queue.add(TARGET, body("c", 900), 11);
        queue.add(TARGET, body("d", 900), 12);
        assertThat(takeAndAck(queue, 1))
                .as("the cap counts what is left, not what went")
                .containsExactly("d");
        assertThat(queue.dropped(TARGET)).isEqualTo(8);
    }

    @Test
    void unacknowledgedBatchesComeBackInOrderAfterARestart() throws Exception {
        WebhookQueue before = queue();
        before.add(TARGET, "b1", 1);
        before.add(OTHER, "o1", 2);
        before.add(TARGET, "b2", 3);
        before.add(TARGET, "b3", 4);
        assertThat(takeAndAck(before, 1)).containsExactly("b1");
        assertThat(take(before, TARGET).body()).isEqualTo("b2"); // being sent when the node stops
        stop(before);

        WebhookQueue after = queue();
        assertThat(takeAndAck(after, 2)).containsExactly("b2", "b3");
        WebhookBatch other = take(after, OTHER);
        assertThat(other.body()).isEqualTo("o1");
        assertThat(other.createdMillis()).isEqualTo(2);
        after.ack(other);
        after.add(TARGET, "b4", 5);
        assertThat(takeAndAck(after, 1)).containsExactly("b4");
    }
}
