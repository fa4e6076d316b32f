package io.switchboard.webhook;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.lettuce.core.output.StreamReadOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One target's lane in Redis as this node uses it: appends batches, keeping those Redis did not
 * take in memory, in order and within the cap; reads them back in stream order for delivery (after
 * this node took the lease, first every entry still pending in the group); removes delivered ones.
 * Keys and the whole protocol: {@link RedisWebhookQueue}; whether this node may read: {@link
 * #lease}.
 *
 * <p>Threads: {@link #add} on the webhook thread; {@link #next} and {@link #await} on the target's
 * sender thread; {@link #appendWaiting} and {@link #retryAcks} on the lease thread and at close;
 * {@link #ack} and {@link #recover} on any.
 */
final class WebhookStream {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    private static final int READ_COUNT = 20;

    /** Bodies are at least this long, so a stream within the byte cap has at most cap / this entries. */
    private static final int MIN_BODY_BYTES = 64;

    final String target;
    final String stream;
    final String bytes;
    final WebhookLeases.Lease lease;
    final DroppedBatches dropped;

    private final RedisClusterCommands<String, String> redis;
    private final String nodeId;
    private final Consumer<String> consumer;
    private final long maxBacklogBytes;
    private final RedisOutageLog outage;

    /** Released when a batch is appended here or the lease is taken: the holder reads at once. */
    private final Semaphore signal = new Semaphore(0);
    /** Set when this node starts delivering: claim and re-read pending entries first. */
    private final AtomicBoolean recover = new AtomicBoolean();
    /** Acknowledgements Redis did not take yet, retried by the lease thread. */
    private final Set<String> unacked = ConcurrentHashMap.newKeySet();

    /** A batch formed here and not yet appended (Redis did not answer). */
    private record Unsent(String body, long createdMillis, int bodyBytes) {}

    /** Guarded by itself, as is its byte count. */
    private final ArrayDeque<Unsent> outbox = new ArrayDeque<>();

    private long outboxBytes;
    // The sender thread's own: entries read and not yet handed out, and where re-reading this
    // consumer's pending entries has got to (null once they are done).
    private final ArrayDeque<WebhookBatch> buffer = new ArrayDeque<>();
    private String pendingCursor;

    WebhookStream(
            String target,
            String keyPrefix,
            String nodeId,
            long maxBacklogBytes,
            RedisClusterCommands<String, String> redis,
            RedisOutageLog outage) {
        this.target = target;
        this.stream = RedisWebhookQueue.streamKey(keyPrefix, target);
        this.bytes = stream + ":bytes";
        this.lease = new WebhookLeases.Lease(stream + ":lease");
        this.dropped = new DroppedBatches(target, maxBacklogBytes);
        this.redis = redis;
        this.nodeId = nodeId;
        this.consumer = Consumer.from(RedisWebhookQueue.GROUP, nodeId);
        this.maxBacklogBytes = maxBacklogBytes;
        this.outage = outage;
    }

    /** Creates the consumer group; when Redis does not answer, it is created when the stream is first read. */
    void prepare() {
        try {
            createGroup();
        } catch (RedisException e) {
            outage.failed(e);
        }
    }

    private void createGroup() {
        try {
            redis.xgroupCreate(
                    XReadArgs.StreamOffset.from(stream, "0"),
                    RedisWebhookQueue.GROUP,
                    XGroupCreateArgs.Builder.mkstream());
        } catch (RedisCommandExecutionException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    // --- appending ----------------------------------------------------------------------------------

    void add(String body, long createdMillis) {
        synchronized (outbox) {
            boolean appending = outbox.isEmpty(); // otherwise Redis failed earlier: the lease thread retries
            int size = WebhookBatch.utf8Length(body);
            outbox.add(new Unsent(body, createdMillis, size));
            outboxBytes += size;
            trimOutbox();
            if (appending) {
                appendOutbox();
            }
        }
    }

    /** Appends what waits in memory, as far as Redis takes it; returns how many batches still wait. */
    int appendWaiting() {
        synchronized (outbox) {
            appendOutbox();
            return outbox.size();
        }
    }

    /** Keeps what waits for Redis within the cap too, dropping the oldest. Holds the outbox. */
    private void trimOutbox() {
        long count = 0;
        long size = 0;
        while (outboxBytes > maxBacklogBytes && outbox.size() > 1) {
            Unsent oldest = outbox.poll();
            outboxBytes -= oldest.bodyBytes();
            count++;
            size += oldest.bodyBytes();
        }
        dropped.record(count, size);
    }

    /**
     * Appends the unsent batches in order, stopping at the first failure; the stream drops its
     * oldest entries beyond the cap ({@link WebhookStreamScripts#ADD}). Holds the outbox.
     */
    private void appendOutbox() {
        boolean appended = false;
        String maxEntries = Long.toString(Math.max(1, maxBacklogBytes / MIN_BODY_BYTES));
        while (!outbox.isEmpty()) {
            Unsent next = outbox.peek();
            List<Object> droppedNow;
            try {
                droppedNow = redis.eval(
                        WebhookStreamScripts.ADD,
                        ScriptOutputType.MULTI,
                        new String[] {stream, bytes},
                        Long.toString(next.createdMillis()),
                        next.body(),
                        Long.toString(maxBacklogBytes),
                        maxEntries);
            } catch (RedisException e) {
                outage.failed(e);
                break;
            }
            outbox.poll();
            outboxBytes -= next.bodyBytes();
            dropped.record((Long) droppedNow.get(0), (Long) droppedNow.get(1));
            appended = true;
        }
        if (appended) {
            signal.release();
        }
    }

    // --- reading (the target's sender thread) -------------------------------------------------------

    /** Called when this node takes the lease: whatever was read before is read again, it may have been claimed meanwhile. */
    void recover() {
        recover.set(true);
        signal.release();
    }

    /**
     * Waits up to {@code millis} for a batch appended here or the lease taken; returns whether that
     * happened.
     */
    boolean await(long millis) throws InterruptedException {
        if (signal.tryAcquire(millis, TimeUnit.MILLISECONDS)) {
            signal.drainPermits();
            return true;
        }
        return false;
    }

    /** The next batch to deliver, or null when the stream has none for now. */
    WebhookBatch next() {
        boolean recovering = recover.getAndSet(false);
        try {
            if (recovering) {
                buffer.clear();
                claimPending();
                pendingCursor = "0-0";
            }
            return read();
        } catch (RedisException e) {
            if (recovering) {
                recover.set(true);
            }
            if (e instanceof RedisCommandExecutionException
                    && String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                // The stream is gone (Redis lost its data) or was appended to again without a group.
                createGroup();
                recover.set(true);
                return null;
            }
            throw e;
        }
    }

    /** Reads this node's pending entries while re-reading them, then new ones. */
    private WebhookBatch read() {
        while (buffer.isEmpty()) {
            List<StreamMessage<String, String>> read;
            if (pendingCursor != null) {
                read = readGroup(pendingCursor);
                if (read.isEmpty()) {
                    pendingCursor = null;
                    continue;
                }
                pendingCursor = read.get(read.size() - 1).getId();
            } else {
                read = readGroup(">");
                if (read.isEmpty()) {
                    return null;
                }
            }
            for (StreamMessage<String, String> m : read) {
                Map<String, String> fields = m.getBody();
                String body = fields == null ? null : fields.get("body");
                if (body == null || unacked.contains(m.getId())) {
                    ack(m.getId()); // deleted meanwhile, or done before
                    continue;
                }
                long created = parseLong(fields.get("created"));
                buffer.add(new WebhookBatch(m.getId(), target, body, created));
            }
        }
        return buffer.poll();
    }

    /**
     * {@code XREADGROUP GROUP delivery <node> COUNT 20 STREAMS <stream> <from>}: entries after
     * {@code from} pending for this node, or new entries for {@code >}. (Sent as a plain command:
     * Lettuce's typed method takes generic varargs.)
     */
    private List<StreamMessage<String, String>> readGroup(String from) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8)
                .add("GROUP")
                .add(RedisWebhookQueue.GROUP)
                .add(nodeId)
                .add("COUNT")
                .add(READ_COUNT)
                .add("STREAMS")
                .addKey(stream)
                .add(from);
        return redis.dispatch(CommandType.XREADGROUP, new StreamReadOutput<>(StringCodec.UTF8), args);
    }

    /** Makes every entry pending in the group this node's, so it is read again, in order. */
    private void claimPending() {
        String cursor = "0-0";
        int claimed = 0;
        do {
            ClaimedMessages<String, String> c = redis.xautoclaim(
                    stream,
                    XAutoClaimArgs.Builder.justid(consumer, Duration.ZERO, cursor)
                            .count(100));
            claimed += c.getMessages().size();
            cursor = c.getId();
        } while (!"0-0".equals(cursor));
        if (claimed > 0) {
            log.info("resuming {} webhook batches in flight to {}", claimed, WebhookTarget.describe(target));
        }
        forgetIdleConsumers();
    }

    /** Removes the group's other consumers once they have nothing pending (node ids change at restarts). */
    private void forgetIdleConsumers() {
        for (Object info : redis.xinfoConsumers(stream, RedisWebhookQueue.GROUP)) {
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
                redis.xgroupDelconsumer(stream, Consumer.from(RedisWebhookQueue.GROUP, name));
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

    // --- removing -----------------------------------------------------------------------------------

    void ack(String id) {
        try {
            redis.eval(
                    WebhookStreamScripts.ACK,
                    ScriptOutputType.INTEGER,
                    new String[] {stream, bytes},
                    RedisWebhookQueue.GROUP,
                    id);
            unacked.remove(id);
        } catch (RedisException e) {
            unacked.add(id); // retried by the lease thread; skipped if read again meanwhile
            outage.failed(e);
        }
    }

    /** Sends again the acknowledgements Redis did not take. */
    void retryAcks() {
        for (String id : List.copyOf(unacked)) {
            ack(id);
        }
    }
}
