package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.LogCapture;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWebhookQueueTest {
    private static final String TARGET = "a http://127.0.0.1:9/hooks";
    private static final String GONE = "a http://127.0.0.1:9/removed";

    @TempDir
    Path dir;

    @Test
    void unacknowledgedBatchesComeBackInOrderWhenReopened() throws Exception {
        try (FileWebhookQueue queue = new FileWebhookQueue(dir, "always")) {
            queue.open(Set.of(TARGET, GONE));
            queue.add(TARGET, "b1", 1);
            queue.add(GONE, "x", 2);
            queue.add(TARGET, "b2", 3);
            queue.add(TARGET, "b3", 4);
            queue.ack(queue.take(TARGET));
            assertThat(queue.depth(TARGET)).isEqualTo(2);
        }
        try (FileWebhookQueue queue = new FileWebhookQueue(dir, "always")) {
            queue.open(Set.of(TARGET)); // the other target is no longer configured: dropped
            assertThat(queue.size()).isEqualTo(2);
            assertThat(queue.take(TARGET).body()).isEqualTo("b2");
            assertThat(queue.take(TARGET).body()).isEqualTo("b3");
        }
    }

    @Test
    void aStoredBatchForARemovedTargetIsLoggedWithoutTheUrlsSecrets() {
        String removed = "a https://hook-user:hook-pass@hooks.example.test/x?token=query-secret";
        try (FileWebhookQueue queue = new FileWebhookQueue(dir, "always")) {
            queue.open(Set.of(removed));
            queue.add(removed, "{\"time_ms\":1,\"events\":[]}", 1);
        }
        try (LogCapture logs = LogCapture.of("switchboard.webhook");
                FileWebhookQueue queue = new FileWebhookQueue(dir, "always")) {
            queue.open(Set.of(TARGET));
            assertThat(logs.lines())
                    .anyMatch(l -> l.contains("app a https://hooks.example.test/x"))
                    .noneMatch(l -> l.contains("hook-pass") || l.contains("hook-user") || l.contains("query-secret"));
        }
    }

    @Test
    void aSenderInterruptedAfterADeliveryStillRecordsItsAcknowledgement() throws Exception {
        try (FileWebhookQueue queue = new FileWebhookQueue(dir, "always")) {
            queue.open(Set.of(TARGET));
            queue.add(TARGET, "b1", 1);
            WebhookBatch delivered = queue.take(TARGET);
            Thread.currentThread().interrupt(); // as at shutdown
            try {
                queue.ack(delivered);
            } finally {
                assertThat(Thread.interrupted()).isTrue();
            }
            queue.add(TARGET, "b2", 2);
        }
        try (FileWebhookQueue queue = new FileWebhookQueue(dir, "always")) {
            queue.open(Set.of(TARGET));
            assertThat(queue.size()).isEqualTo(1);
            assertThat(queue.take(TARGET).body()).isEqualTo("b2");
        }
    }
}
