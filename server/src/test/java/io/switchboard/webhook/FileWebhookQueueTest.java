package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.config.WebhookSettings;
import io.switchboard.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file queue: the contract, and what a log file on one node adds (compaction, restarts). */
class FileWebhookQueueTest extends WebhookQueueContractTest {
    private static final String GONE = "a http://127.0.0.1:9/removed";

    @TempDir
    Path dir;

    @Override
    protected WebhookQueue newQueue(long maxBacklogBytes) {
        return fileQueue(maxBacklogBytes);
    }

    private FileWebhookQueue fileQueue(long maxBacklogBytes) {
        return new FileWebhookQueue(dir, "always", maxBacklogBytes);
    }

    private FileWebhookQueue fileQueue() {
        return fileQueue(WebhookSettings.DEFAULTS.maxBacklogBytes());
    }

    @Test
    void theBatchBeingSentCountsTowardsTheCapIsKeptAndWhatWasDroppedStaysDropped() throws Exception {
        try (LogCapture logs = LogCapture.of("switchboard.webhook");
                FileWebhookQueue queue = fileQueue(1000)) {
            queue.open(Set.of(TARGET));
            queue.add(TARGET, body("b0", 300), 0);
            WebhookBatch sending = take(queue, TARGET); // the receiver hangs on it
            for (int i = 1; i <= 9; i++) {
                queue.add(TARGET, body("b" + i, 300), i);
            }

            // 1000 bytes: the batch being sent and the two newest.
            assertThat(queue.depth(TARGET)).isEqualTo(3);
            assertThat(queue.dropped(TARGET)).isEqualTo(7);
            assertThat(queue.oldestMillis(TARGET)).isZero(); // b0, formed at 0
            assertThat(logs.lines())
                    .anyMatch(l -> l.startsWith("WARN ")
                            && l.contains("app a http://127.0.0.1:9/hooks")
                            && l.contains("dropped 1 "));
            queue.ack(sending);
            assertThat(takeAndAck(queue, 2)).containsExactly("b8", "b9");
            queue.add(TARGET, body("b10", 300), 10);
        }
        try (FileWebhookQueue queue = fileQueue(1000)) {
            queue.open(Set.of(TARGET));
            assertThat(queue.size()).as("what was dropped stays dropped").isEqualTo(1);
            assertThat(takeAndAck(queue, 1)).containsExactly("b10");
        }
    }

    @Test
    void aRestartLoadsOnlyTheNewestBatchesWithinTheCap() throws Exception {
        try (FileWebhookQueue queue = fileQueue(1_000_000)) {
            queue.open(Set.of(TARGET));
            for (int i = 0; i < 10; i++) {
                queue.add(TARGET, body("b" + i, 300), i);
            }
        }
        try (FileWebhookQueue queue = fileQueue(1000)) {
            queue.open(Set.of(TARGET));
            assertThat(queue.size()).isEqualTo(3);
            assertThat(queue.dropped(TARGET)).isEqualTo(7);
            assertThat(takeAndAck(queue, 3)).containsExactly("b7", "b8", "b9");
        }
    }

    @Test
    void theLogIsCompactedByItsLiveSizeWhileABatchWaits() throws Exception {
        Path log = dir.resolve("webhooks.log");
        try (FileWebhookQueue queue = new FileWebhookQueue(dir, "never", 100_000_000)) {
            queue.open(Set.of(TARGET));
            queue.add(TARGET, body("stuck", 1000), 0);
            take(queue, TARGET); // a receiver that never answers: the queue is never empty
            for (int i = 1; i <= 160; i++) {
                queue.add(TARGET, body("b" + i, 64 * 1024), i);
                queue.ack(take(queue, TARGET));
            }
            // 10 MiB went through; what is left to keep is one small batch.
            assertThat(Files.size(log)).isLessThan(5L * 1024 * 1024);
        }
        try (FileWebhookQueue queue = fileQueue()) {
            queue.open(Set.of(TARGET));
            assertThat(takeAndAck(queue, 1)).containsExactly("stuck");
            assertThat(queue.size()).isZero();
        }
    }

    @Test
    void batchesOfATargetNoLongerConfiguredAreDroppedWhenReopened() throws Exception {
        try (FileWebhookQueue queue = fileQueue()) {
            queue.open(Set.of(TARGET, GONE));
            queue.add(TARGET, "b1", 1);
            queue.add(GONE, "x", 2);
        }
        try (FileWebhookQueue queue = fileQueue()) {
            queue.open(Set.of(TARGET));
            assertThat(queue.size()).isEqualTo(1);
            assertThat(takeAndAck(queue, 1)).containsExactly("b1");
        }
    }

    @Test
    void aStoredBatchForARemovedTargetIsLoggedWithoutTheUrlsSecrets() {
        String removed = "a https://hook-user:hook-pass@hooks.example.test/x?token=query-secret";
        try (FileWebhookQueue queue = fileQueue()) {
            queue.open(Set.of(removed));
            queue.add(removed, "{\"time_ms\":1,\"events\":[]}", 1);
        }
        try (LogCapture logs = LogCapture.of("switchboard.webhook");
                FileWebhookQueue queue = fileQueue()) {
            queue.open(Set.of(TARGET));
            assertThat(logs.lines())
                    .anyMatch(l -> l.contains("app a https://hooks.example.test/x"))
                    .noneMatch(l -> l.contains("hook-pass") || l.contains("hook-user") || l.contains("query-secret"));
        }
    }

    @Test
    void aSenderInterruptedAfterADeliveryStillRecordsItsAcknowledgement() throws Exception {
        try (FileWebhookQueue queue = fileQueue()) {
            queue.open(Set.of(TARGET));
            queue.add(TARGET, "b1", 1);
            WebhookBatch delivered = take(queue, TARGET);
            Thread.currentThread().interrupt(); // as at shutdown
            try {
                queue.ack(delivered);
            } finally {
                assertThat(Thread.interrupted()).isTrue();
            }
            queue.add(TARGET, "b2", 2);
        }
        try (FileWebhookQueue queue = fileQueue()) {
            queue.open(Set.of(TARGET));
            assertThat(queue.size()).isEqualTo(1);
            assertThat(take(queue, TARGET).body()).isEqualTo("b2");
        }
    }
}
