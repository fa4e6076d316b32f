package io.switchboard.webhook;

import java.util.List;

/**
 * Where webhook batches wait until their receiver accepts them. The file queue keeps them across
 * restarts of one node; a shared queue can serve a cluster.
 */
public interface WebhookQueue extends AutoCloseable {

    /** Stores a new batch; returns it with its id. */
    WebhookBatch add(String target, String body, long createdMillis);

    /** Removes a batch that was delivered or given up. */
    void ack(long id);

    /** Batches not yet acknowledged, oldest first, including those stored before a restart. */
    List<WebhookBatch> pending();

    @Override
    void close();
}
