package io.switchboard.webhook;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.lettuce.core.output.StreamReadOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.switchboard.config.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 */
public final class RedisWebhookQueue implements WebhookQueue {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    static final String GROUP = "delivery";
    private static final int READ_COUNT = 20;
    private static final long POLL_MIN_MS = 50;
    private static final long POLL_MAX_MS = 1000;

    /** Bodies are at least this long, so a stream within the byte cap has at most cap / this entries. */
    private static final int MIN_BODY_BYTES = 64;

    private final RedisSettings settings;
    private final long maxBacklogBytes;
    private final String nodeId;
    private final Consumer<String> consumer;
    private final WebhookRedisConnection connection;
    private final RedisClusterCommands<String, String> redis;
    private final RedisClusterAsyncCommands<String, String> async;
    /** Filled by {@link #open} before any other call; {@link #addTargets} adds to it later. */
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

    private final ScheduledExecutorService timer;
    private final AtomicBoolean reachable = new AtomicBoolean(true);
    private volatile boolean closed;

    /** A batch formed here and not yet appended (Redis did not answer). */
    private record Unsent(String body, long createdMillis, int bodyBytes) {}

    /** One target's stream and lease, as this node sees them. */
    private final class Lane {
        final String target;
        final String stream;
        final String bytes;
        final String lease;
        final DroppedBatches dropped;
        /** Released when a batch is appended here or the lease is taken: the holder reads at once. */
        final Semaphore signal = new Semaphore(0);
        /** Set when this node starts delivering: claim and re-read pending entries first. */
        final AtomicBoolean recover = new AtomicBoolean();
        /** Whether the last lease script answered that this node holds the lease. */
        volatile boolean held;
        /** Until when (System.nanoTime) the lease surely is this node's, counted from its renewal. */
        volatile long leaseUntil;
        /** The stream's length at the last renewal. */
        volatile long length;
        /** When the stream's first entry was formed, at the last renewal; 0 when it was empty. */
        volatile long oldestMillis;
        /** Acknowledgements Redis did not take yet, retried by the timer. */
        final Set<String> unacked = ConcurrentHashMap.newKeySet();
        /** Guarded by itself, as is its byte count. */
        final ArrayDeque<Unsent> outbox = new ArrayDeque<>();

        long outboxBytes;
        // The sender thread's own: entries read and not yet handed out, and where re-reading this
        // consumer's pending entries has got to (null once they are done).
        final ArrayDeque<WebhookBatch> buffer = new ArrayDeque<>();
        String pendingCursor;

        Lane(String target) {
            this.target = target;
            this.stream = streamKey(settings.keyPrefix(), target);
            this.bytes = stream + ":bytes";
            this.lease = stream + ":lease";
            this.dropped = new DroppedBatches(target, maxBacklogBytes);
        }

        boolean owned() {
            return held && System.nanoTime() - leaseUntil < 0;
        }

        void wake() {
            signal.release();
        }
    }

    private RedisWebhookQueue(
            RedisSettings settings, String nodeId, long maxBacklogBytes, WebhookRedisConnection connection) {
        this.settings = settings;
        this.maxBacklogBytes = maxBacklogBytes;
        this.nodeId = nodeId;
        this.consumer = Consumer.from(GROUP, nodeId);
        this.connection = connection;
        this.redis = connection.sync();
        this.async = connection.async();
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

    /** Creates the targets' consumer groups, tries their leases once, then keeps them every heartbeat. */
    @Override
    public void open(Set<String> targets) {
        for (String target : targets) {
            Lane lane = new Lane(target);
            lanes.put(target, lane);
            try {
                createGroup(lane);
            } catch (RedisException e) {
                failed(e); // created when the stream is first read
            }
        }
        tick();
        long interval = settings.heartbeatIntervalMs();
        timer.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public void addTargets(Set<String> targets) {
        for (String target : targets) {
            lanes.computeIfAbsent(target, t -> {
                Lane lane = new Lane(t);
                try {
                    createGroup(lane);
                } catch (RedisException e) {
                    failed(e); // created when the stream is first read
                }
                return lane;
            });
        }
        // The lease is taken at the next heartbeat.
    }

    private void createGroup(Lane lane) {
        try {
            redis.xgroupCreate(
                    XReadArgs.StreamOffset.from(lane.stream, "0"), GROUP, XGroupCreateArgs.Builder.mkstream());
        } catch (RedisCommandExecutionException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private Lane lane(String target) {
        Lane lane = lanes.get(target);
        if (lane == null) {
            throw new IllegalArgumentException("no webhook target " + WebhookTarget.describe(target));
        }
        return lane;
    }

    // --- appending (webhook thread) -----------------------------------------------------------------

    @Override
    public void add(String target, String body, long createdMillis) {
        Lane lane = lane(target);
        synchronized (lane.outbox) {
            boolean appending = lane.outbox.isEmpty(); // otherwise Redis failed earlier: the timer retries
            int bytes = WebhookBatch.utf8Length(body);
            lane.outbox.add(new Unsent(body, createdMillis, bytes));
            lane.outboxBytes += bytes;
            trimOutbox(lane);
            if (appending) {
                appendOutbox(lane);
            }
        }
    }

    /** Keeps what waits for Redis within the cap too, dropping the oldest. Holds the outbox. */
    private void trimOutbox(Lane lane) {
        long count = 0;
        long bytes = 0;
        while (lane.outboxBytes > maxBacklogBytes && lane.outbox.size() > 1) {
            Unsent oldest = lane.outbox.poll();
            lane.outboxBytes -= oldest.bodyBytes();
            count++;
            bytes += oldest.bodyBytes();
        }
        lane.dropped.record(count, bytes);
    }

    /**
     * Appends the lane's unsent batches in order, stopping at the first failure; the stream drops
     * its oldest entries beyond the cap ({@link WebhookStreamScripts#ADD}). Holds the outbox.
     */
    private void appendOutbox(Lane lane) {
        boolean appended = false;
        String maxEntries = Long.toString(Math.max(1, maxBacklogBytes / MIN_BODY_BYTES));
        while (!lane.outbox.isEmpty()) {
            Unsent next = lane.outbox.peek();
            List<Object> dropped;
            try {
                dropped = redis.eval(
                        WebhookStreamScripts.ADD,
                        ScriptOutputType.MULTI,
                        new String[] {lane.stream, lane.bytes},
                        Long.toString(next.createdMillis()),
                        next.body(),
                        Long.toString(maxBacklogBytes),
                        maxEntries);
            } catch (RedisException e) {
                failed(e);
                break;
            }
            lane.outbox.poll();
            lane.outboxBytes -= next.bodyBytes();
            lane.dropped.record((Long) dropped.get(0), (Long) dropped.get(1));
            appended = true;
        }
        if (appended) {
            lane.wake();
        }
    }

    // --- delivering (the target's sender thread) ----------------------------------------------------

    @Override
    public WebhookBatch take(String target) throws InterruptedException {
        Lane lane = lane(target);
        long idle = POLL_MIN_MS;
        while (!closed) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long wait;
            if (lane.owned()) {
                try {
                    WebhookBatch next = next(lane);
                    succeeded();
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
                    failed(e);
                    wait = POLL_MAX_MS;
                }
            } else {
                wait = settings.heartbeatIntervalMs(); // woken when the lease is taken
            }
            if (lane.signal.tryAcquire(wait, TimeUnit.MILLISECONDS)) {
                lane.signal.drainPermits();
                idle = POLL_MIN_MS;
            }
        }
        throw new InterruptedException("the webhook queue is closed");
    }

    /** The next batch to deliver, or null when the stream has none for now. */
    private WebhookBatch next(Lane lane) {
        boolean recovering = lane.recover.getAndSet(false);
        try {
            if (recovering) {
                lane.buffer.clear();
                claimPending(lane);
                lane.pendingCursor = "0-0";
            }
            return read(lane);
        } catch (RedisException e) {
            if (recovering) {
                lane.recover.set(true);
            }
            if (e instanceof RedisCommandExecutionException
                    && String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                // The stream is gone (Redis lost its data) or was appended to again without a group.
                createGroup(lane);
                lane.recover.set(true);
                return null;
            }
            throw e;
        }
    }

    /** Reads this node's pending entries while re-reading them, then new ones. */
    private WebhookBatch read(Lane lane) {
        while (lane.buffer.isEmpty()) {
            List<StreamMessage<String, String>> read;
            if (lane.pendingCursor != null) {
                read = readGroup(lane.stream, lane.pendingCursor);
                if (read.isEmpty()) {
                    lane.pendingCursor = null;
                    continue;
                }
                lane.pendingCursor = read.get(read.size() - 1).getId();
            } else {
                read = readGroup(lane.stream, ">");
                if (read.isEmpty()) {
                    return null;
                }
            }
            for (StreamMessage<String, String> m : read) {
                Map<String, String> fields = m.getBody();
                String body = fields == null ? null : fields.get("body");
                if (body == null || lane.unacked.contains(m.getId())) {
                    ack(lane, m.getId()); // deleted meanwhile, or done before
                    continue;
                }
                long created = parseLong(fields.get("created"));
                lane.buffer.add(new WebhookBatch(m.getId(), lane.target, body, created));
            }
        }
        return lane.buffer.poll();
    }

    /**
     * {@code XREADGROUP GROUP delivery <node> COUNT 20 STREAMS <stream> <from>}: entries after
     * {@code from} pending for this node, or new entries for {@code >}. (Sent as a plain command:
     * Lettuce's typed method takes generic varargs.)
     */
    private List<StreamMessage<String, String>> readGroup(String stream, String from) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8)
                .add("GROUP")
                .add(GROUP)
                .add(nodeId)
                .add("COUNT")
                .add(READ_COUNT)
                .add("STREAMS")
                .addKey(stream)
                .add(from);
        return redis.dispatch(CommandType.XREADGROUP, new StreamReadOutput<>(StringCodec.UTF8), args);
    }

    /** Makes every entry pending in the group this node's, so it is read again, in order. */
    private void claimPending(Lane lane) {
        String cursor = "0-0";
        int claimed = 0;
        do {
            ClaimedMessages<String, String> c = redis.xautoclaim(
                    lane.stream,
                    XAutoClaimArgs.Builder.justid(consumer, Duration.ZERO, cursor)
                            .count(100));
            claimed += c.getMessages().size();
            cursor = c.getId();
        } while (!"0-0".equals(cursor));
        if (claimed > 0) {
            log.info("resuming {} webhook batches in flight to {}", claimed, url(lane));
        }
        forgetIdleConsumers(lane);
    }

    /** Removes the group's other consumers once they have nothing pending (node ids change at restarts). */
    private void forgetIdleConsumers(Lane lane) {
        for (Object info : redis.xinfoConsumers(lane.stream, GROUP)) {
            if (!(info instanceof List<?> fields)) {
                continue;
            }
            String name = null;
            long pending = -1;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String field = String.valueOf(fields.get(i));
                Object value = fields.get(i + 1);
                if (field.equals("name")) {
                    name = String.valueOf(value);
                } else if (field.equals("pending") && value instanceof Long n) {
                    pending = n;
                }
            }
            if (name != null && !name.equals(nodeId) && pending == 0) {
                redis.xgroupDelconsumer(lane.stream, Consumer.from(GROUP, name));
            }
        }
    }

    private static long parseLong(String text) {
        try {
            return text == null ? System.currentTimeMillis() : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return System.currentTimeMillis();
        }
    }

    @Override
    public boolean delivering(String target) {
        return lane(target).owned();
    }

    @Override
    public void ack(WebhookBatch batch) {
        ack(lane(batch.target()), batch.id());
    }

    private void ack(Lane lane, String id) {
        try {
            redis.eval(
                    WebhookStreamScripts.ACK,
                    ScriptOutputType.INTEGER,
                    new String[] {lane.stream, lane.bytes},
                    GROUP,
                    id);
            lane.unacked.remove(id);
        } catch (RedisException e) {
            lane.unacked.add(id); // retried by the timer; skipped if read again meanwhile
            if (!closed) {
                failed(e);
            }
        }
    }

    @Override
    public long depth(String target) {
        Lane lane = lanes.get(target);
        return lane != null && lane.owned() ? lane.length : 0;
    }

    @Override
    public long dropped(String target) {
        Lane lane = lanes.get(target);
        return lane == null ? 0 : lane.dropped.total();
    }

    @Override
    public long oldestMillis(String target) {
        Lane lane = lanes.get(target);
        return lane != null && lane.owned() ? lane.oldestMillis : 0;
    }

    // --- leases (timer thread) ----------------------------------------------------------------------

    /** Appends what waits in memory, retries acknowledgements, then renews or takes every lease. */
    private void tick() {
        if (closed) {
            return;
        }
        for (Lane lane : lanes.values()) {
            synchronized (lane.outbox) {
                appendOutbox(lane);
            }
            for (String id : List.copyOf(lane.unacked)) {
                ack(lane, id);
            }
        }
        long sent = System.nanoTime();
        String ttl = Integer.toString(settings.nodeTimeoutMs());
        Map<Lane, RedisFuture<List<Object>>> replies = new LinkedHashMap<>();
        for (Lane lane : lanes.values()) {
            try {
                replies.put(
                        lane,
                        async.eval(
                                WebhookStreamScripts.LEASE,
                                ScriptOutputType.MULTI,
                                new String[] {lane.stream, lane.bytes, lane.lease},
                                nodeId,
                                ttl));
            } catch (RedisException e) {
                failed(e);
            }
        }
        for (Map.Entry<Lane, RedisFuture<List<Object>>> e : replies.entrySet()) {
            Lane lane = e.getKey();
            try {
                List<Object> reply = e.getValue().get(settings.commandTimeoutMs(), TimeUnit.MILLISECONDS);
                leaseAnswered(lane, (Long) reply.get(0), (Long) reply.get(1), (Long) reply.get(2), sent);
                succeeded();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception ex) {
                failed(ex);
            }
        }
    }

    private void leaseAnswered(Lane lane, long state, long length, long oldest, long sent) {
        boolean wasOwned = lane.owned();
        if (state == 0) {
            lane.held = false;
            if (wasOwned) {
                log.info("another node now delivers webhooks to {}", url(lane));
            }
            return;
        }
        lane.length = length;
        lane.oldestMillis = oldest;
        lane.leaseUntil = sent + TimeUnit.MILLISECONDS.toNanos(settings.nodeTimeoutMs());
        lane.held = true;
        if (!wasOwned) {
            // Whatever was read before is read again: it may have been claimed meanwhile.
            lane.recover.set(true);
            lane.wake();
            log.debug("this node now delivers webhooks to {}", url(lane));
        }
    }

    /** The lane's target as logs show it (see {@link WebhookTarget#describe(String)}). */
    private static String url(Lane lane) {
        return WebhookTarget.describe(lane.target);
    }

    private void failed(Throwable error) {
        if (!closed && reachable.compareAndSet(true, false)) {
            log.warn(
                    "webhook queue: Redis did not answer ({}); batches formed meanwhile wait in memory and"
                            + " delivery pauses until it does",
                    error.toString());
        }
    }

    private void succeeded() {
        if (reachable.compareAndSet(false, true)) {
            log.info("webhook queue: Redis answers again");
        }
    }

    // --- shutdown -----------------------------------------------------------------------------------

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
        for (Lane lane : lanes.values()) {
            int lost;
            synchronized (lane.outbox) {
                appendOutbox(lane);
                lost = lane.outbox.size();
            }
            if (lost > 0) {
                log.error("{} webhook batches to {} are lost: Redis did not take them", lost, url(lane));
            }
            for (String id : List.copyOf(lane.unacked)) {
                ack(lane, id);
            }
            if (lane.held) {
                try {
                    redis.eval(
                            WebhookStreamScripts.RELEASE, ScriptOutputType.INTEGER, new String[] {lane.lease}, nodeId);
                } catch (RedisException e) {
                    log.debug("releasing the webhook lease of {}: {}", url(lane), e.toString());
                }
                lane.held = false;
            }
        }
        connection.close();
    }
}
