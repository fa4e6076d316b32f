package io.switchboard.webhook;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.switchboard.config.RedisSettings;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node delivers which target: takes a target's lease when it is free and renews it while it
 * is this node's, every target in one pipeline per heartbeat ({@link WebhookStreamScripts#LEASE});
 * gives them up at close. A lease counts as this node's until {@code node_timeout_ms} after the
 * renewal that kept it was sent, so a node that cannot renew stops delivering before another node
 * can take over. {@link #renew} runs on the queue's lease thread, {@link #release} at close.
 */
final class WebhookLeases {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    private final RedisSettings settings;
    private final String nodeId;
    private final RedisClusterCommands<String, String> redis;
    private final RedisClusterAsyncCommands<String, String> async;
    private final RedisOutageLog outage;

    /** One target's lease as this node last saw it; read from any thread. */
    static final class Lease {
        final String key;
        /** Whether the last lease script answered that this node holds the lease. */
        volatile boolean held;
        /** Until when (System.nanoTime) the lease surely is this node's, counted from its renewal. */
        volatile long until;
        /** The stream's length at the last renewal. */
        volatile long length;
        /** When the stream's first entry was formed, at the last renewal; 0 when it was empty. */
        volatile long oldestMillis;

        Lease(String key) {
            this.key = key;
        }

        boolean owned() {
            return held && System.nanoTime() - until < 0;
        }
    }

    WebhookLeases(
            RedisSettings settings,
            String nodeId,
            RedisClusterCommands<String, String> redis,
            RedisClusterAsyncCommands<String, String> async,
            RedisOutageLog outage) {
        this.settings = settings;
        this.nodeId = nodeId;
        this.redis = redis;
        this.async = async;
        this.outage = outage;
    }

    /**
     * Renews or takes the lease of every stream, sending all scripts before waiting for any answer.
     * A stream whose lease this node just took is told to read again from its pending entries.
     * Returns early, with the interrupt set, when the thread is interrupted.
     */
    void renew(Collection<WebhookStream> streams) {
        long sent = System.nanoTime();
        String ttl = Integer.toString(settings.nodeTimeoutMs());
        Map<WebhookStream, RedisFuture<List<Object>>> replies = new LinkedHashMap<>();
        for (WebhookStream stream : streams) {
            try {
                replies.put(
                        stream,
                        async.eval(
                                WebhookStreamScripts.LEASE,
                                ScriptOutputType.MULTI,
                                new String[] {stream.stream, stream.bytes, stream.lease.key},
                                nodeId,
                                ttl));
            } catch (RedisException e) {
                outage.failed(e);
            }
        }
        for (Map.Entry<WebhookStream, RedisFuture<List<Object>>> e : replies.entrySet()) {
            WebhookStream stream = e.getKey();
            try {
                List<Object> reply = e.getValue().get(settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
                answered(stream, (Long) reply.get(0), (Long) reply.get(1), (Long) reply.get(2), sent);
                outage.succeeded();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception ex) {
                outage.failed(ex);
            }
        }
    }

    private void answered(WebhookStream stream, long state, long length, long oldest, long sent) {
        Lease lease = stream.lease;
        boolean wasOwned = lease.owned();
        if (state == 0) {
            lease.held = false;
            if (wasOwned) {
                log.info("another node now delivers webhooks to {}", WebhookTarget.describe(stream.target));
            }
            return;
        }
        lease.length = length;
        lease.oldestMillis = oldest;
        lease.until = sent + TimeUnit.MILLISECONDS.toNanos(settings.nodeTimeoutMs());
        lease.held = true;
        if (!wasOwned) {
            stream.recover();
            log.debug("this node now delivers webhooks to {}", WebhookTarget.describe(stream.target));
        }
    }

    /** Gives the lease up if this node holds it, so another node takes over at its next heartbeat. */
    void release(WebhookStream stream) {
        Lease lease = stream.lease;
        if (!lease.held) {
            return;
        }
        try {
            redis.eval(WebhookStreamScripts.RELEASE, ScriptOutputType.INTEGER, new String[] {lease.key}, nodeId);
        } catch (RedisException e) {
            log.debug("releasing the webhook lease of {}: {}", WebhookTarget.describe(stream.target), e.toString());
        }
        lease.held = false;
    }
}
