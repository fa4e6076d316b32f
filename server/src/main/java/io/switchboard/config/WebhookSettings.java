package io.switchboard.config;

/**
 * How webhooks are batched, delayed, retried and stored (the {@code webhooks:} section). Targets
 * are configured per app.
 *
 * @param batchMaxEvents events in one POST at most
 * @param batchMaxDelayMs how long an event may wait for others to share its POST
 * @param removalDelayMs how long channel_vacated and member_removed are held back; a reconnect
 *     within it cancels both the removal and the matching re-add
 * @param timeoutMs how long a receiver has to answer
 * @param retryInitialMs first retry delay; doubles on each try, with jitter
 * @param retryMaxMs longest delay between tries
 * @param retryForSeconds how long a batch is retried before it is given up and recorded as failed
 * @param dataDir where undelivered webhooks are kept across restarts
 * @param sync when the queue file is forced to disk: {@code always}, {@code every_second} or
 *     {@code never} (left to the OS)
 * @param maxBacklogBytes how many bytes of batch bodies one target may have waiting; beyond it the
 *     oldest waiting batches are dropped (and counted)
 */
public record WebhookSettings(
        int batchMaxEvents,
        int batchMaxDelayMs,
        int removalDelayMs,
        int timeoutMs,
        int retryInitialMs,
        int retryMaxMs,
        int retryForSeconds,
        String dataDir,
        String sync,
        long maxBacklogBytes) {
    public static final WebhookSettings DEFAULTS =
            new WebhookSettings(20, 250, 3000, 4000, 500, 30_000, 300, "data", "every_second", 8L * 1024 * 1024);
}
