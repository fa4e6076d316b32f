package io.switchboard.webhook;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import io.switchboard.config.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook queue of a cluster, in Redis: every node appends the batches it forms, and exactly
 * one node at a time delivers each target's batches, in the order they were appended.
 *
 * <p>Keys, after the broker's key prefix ({@code APP} is the app id, {@code HASH} the first 16 hex
 * digits of the SHA-256 of the URL; the braces are the Redis Cluster hash tag, so both keys of a
 * target sit in one slot):
 *
 * <pre>
 * webhook:{APP:HASH}        stream  one entry per batch not yet delivered: created (ms), body
 *                                   consumer group "delivery", one consumer per node that read it
 * webhook:{APP:HASH}:bytes  string  bytes of the bodies in the stream (deleted when it is empty)
 * webhook:{APP:HASH}:lease  string  id of the node delivering this target, expiring after
 *                                   node_timeout_ms unless renewed
 * </pre>
 *
 * <p>Any node appends ({@code XADD}, in a script that then drops the oldest entries while the
 * stream holds more than {@code max_backlog_bytes}, and counts them on the appending node). A timer thread takes a target's lease when it is free and
 * renews it every {@code heartbeat_interval_ms} while it is this node's (one script: {@code SET PX}
 * when there is no holder, {@code PEXPIRE} when it is this node); the holder
 * reads the group ({@code XREADGROUP}) and removes an entry ({@code XACK} + {@code XDEL}, one script)
 * after the receiver's 2xx or after giving up. When a holder dies its lease expires, the next node
 * to try takes it, claims every entry still pending in the group ({@code XAUTOCLAIM}: what the old
 * holder read but did not finish), reads those again in stream order and only then new entries, so
 * nothing is lost or reordered. A node that could not renew its lease for {@code node_timeout_ms}
 * stops delivering before another can take over.
 *
 * <p>The holder learns of entries appended on this node at once, and of those appended on other
 * nodes by reading again after 50 ms, doubling up to a second while the stream stays empty. While
 * Redis is unreachable, batches formed here wait in memory in order, within the same cap, and are
 * appended when it answers again. Threads: {@link #add} runs on the webhook thread, {@link #take} and {@link #ack}
 * on the targets' virtual threads, the leases on one timer thread; all may block on Redis, none is
 * an event loop.
 *
 * <p>This class ties the parts together: {@link WebhookStream} is one target's stream (append,
 * read in order, remove), {@link WebhookLeases} decides which node reads it.
 */
public final class RedisWebhookQueue implements WebhookQueue {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    static final String GROUP = "delivery";
    private static final long POLL_MIN_MS = 50;
    private static final long POLL_MAX_MS = 1000;

    private final RedisSettings settings;
    private final long maxBacklogBytes;
    private final String nodeId;
    private final WebhookRedisConnection connection;
    private final RedisOutageLog outage = new RedisOutageLog();
    private final WebhookLeases leases;
    /** Filled by {@link #open} before any other call; {@link #addTargets} adds to it later. */
    private final Map<String, WebhookStream> lanes = new ConcurrentHashMap<>();

    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    private RedisWebhookQueue(
            RedisSettings settings, String nodeId, long maxBacklogBytes, WebhookRedisConnection connection) {
        this.settings = settings;
        this.maxBacklogBytes = maxBacklogBytes;
        this.nodeId = nodeId;
        this.connection = connection;
        this.leases = new WebhookLeases(settings, nodeId, connection.sync(), connection.async(), outage);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-webhook-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to the broker's Redis (its own connection), blocking until connected.
     *
     * @param nodeId this node's id in the cluster: its name as a consumer and lease holder
     * @param maxBacklogBytes bytes of bodies each target's stream may hold
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisWebhookQueue connect(RedisSettings settings, String nodeId, long maxBacklogBytes) {
        return new RedisWebhookQueue(settings, nodeId, maxBacklogBytes, WebhookRedisConnection.open(settings));
    }

    /** The stream of a target ({@code appId + " " + url}); its lease is this plus {@code :lease}. */
    static String streamKey(String prefix, String target) {
        int space = target.indexOf(' ');
        String appId = target.substring(0, space);
        String url = target.substring(space + 1);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            String hash = HexFormat.of().formatHex(digest, 0, 8);
            return prefix + "webhook:{" + appId + ":" + hash + "}";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private WebhookStream newLane(String target) {
        WebhookStream lane =
                new WebhookStream(target, settings.keyPrefix(), nodeId, maxBacklogBytes, connection.sync(), outage);
        lane.prepare();
        return lane;
    }

    /** Creates the targets' consumer groups, tries their leases once, then keeps them every heartbeat. */
    @Override
    public void open(Set<String> targets) {
        for (String target : targets) {
            lanes.put(target, newLane(target));
        }
        tick();
        long interval = settings.heartbeatIntervalMs();
        timer.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public void addTargets(Set<String> targets) {
        for (String target : targets) {
            lanes.computeIfAbsent(target, this::newLane);
        }
        // The lease is taken at the next heartbeat.
    }

    private WebhookStream lane(String target) {
        WebhookStream lane = lanes.get(target);
        if (lane == null) {
            throw new IllegalArgumentException("no webhook target " + WebhookTarget.describe(target));
        }
        return lane;
    }

    @Override
    public void add(String target, String body, long createdMillis) {
        lane(target).add(body, createdMillis);
    }

    @Override
    public WebhookBatch take(String target) throws InterruptedException {
        WebhookStream lane = lane(target);
        long idle = POLL_MIN_MS;
        while (!closed) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long wait;
            if (lane.lease.owned()) {
                try {
                    WebhookBatch next = lane.next();
                    outage.succeeded();
                    if (next != null) {
                        return next;
                    }
                    wait = idle;
                    idle = Math.min(POLL_MAX_MS, idle * 2);
                } catch (RedisCommandInterruptedException e) {
                    Thread.interrupted();
                    throw new InterruptedException();
                } catch (RedisException e) {
                    if (closed) {
                        break;
                    }
                    outage.failed(e);
                    wait = POLL_MAX_MS;
                }
            } else {
                wait = settings.heartbeatIntervalMs(); // woken when the lease is taken
            }
            if (lane.await(wait)) {
                idle = POLL_MIN_MS;
            }
        }
        throw new InterruptedException("the webhook queue is closed");
    }

    @Override
    public boolean delivering(String target) {
        return lane(target).lease.owned();
    }

    @Override
    public void ack(WebhookBatch batch) {
        lane(batch.target()).ack(batch.id());
    }

    @Override
    public long depth(String target) {
        WebhookStream lane = lanes.get(target);
        return lane != null && lane.lease.owned() ? lane.lease.length : 0;
    }

    @Override
    public long dropped(String target) {
        WebhookStream lane = lanes.get(target);
        return lane == null ? 0 : lane.dropped.total();
    }

    @Override
    public long oldestMillis(String target) {
        WebhookStream lane = lanes.get(target);
        return lane != null && lane.lease.owned() ? lane.lease.oldestMillis : 0;
    }

    /** Appends what waits in memory, retries acknowledgements, then renews or takes every lease. */
    private void tick() {
        if (closed) {
            return;
        }
        for (WebhookStream lane : lanes.values()) {
            lane.appendWaiting();
            lane.retryAcks();
        }
        leases.renew(lanes.values());
    }

    /**
     * Appends what still waits in memory, releases this node's leases so another node takes over
     * at its next heartbeat, and disconnects. Call after the senders stopped.
     */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        outage.stop();
        for (WebhookStream lane : lanes.values()) {
            int lost = lane.appendWaiting();
            if (lost > 0) {
                log.error(
                        "{} webhook batches to {} are lost: Redis did not take them",
                        lost,
                        WebhookTarget.describe(lane.target));
            }
            lane.retryAcks();
            leases.release(lane);
        }
        connection.close();
    }
}
