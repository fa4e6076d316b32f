package io.switchboard.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of webhook batches: one JSON line per added batch, one per acknowledgement.
 * On open, unacknowledged batches are read back and the log is rewritten with only them. The log is
 * forced to disk after every write ({@code always}), once a second ({@code every_second}) or when
 * the OS decides ({@code never}); a crash loses at most what was not yet forced. This node delivers
 * every lane.
 */
public final class FileWebhookQueue implements WebhookQueue {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");
    private static final JsonFactory JSON = new JsonFactory();
    private static final long COMPACT_BYTES = 4 * 1024 * 1024;

    private final Path file;
    private final String sync;
    private final Map<Long, WebhookBatch> pending = new LinkedHashMap<>();
    /** Per target: batches not yet taken, in order. Filled under this queue's lock. */
    private final Map<String, BlockingQueue<WebhookBatch>> lanes = new ConcurrentHashMap<>();
    /** Per target: batches not yet acknowledged, read without the lock. */
    private final Map<String, AtomicLong> depths = new ConcurrentHashMap<>();

    private final ScheduledExecutorService syncer;
    private FileChannel channel;
    private long nextId = 1;
    private boolean dirty;

    /**
     * @param dir the directory holding {@code webhooks.log}; created if missing
     * @param sync {@code always}, {@code every_second} or {@code never}
     */
    public FileWebhookQueue(Path dir, String sync) {
        this.sync = sync;
        try {
            Files.createDirectories(dir);
            this.file = dir.resolve("webhooks.log");
            if (Files.exists(file)) {
                load();
            }
            rewrite();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the webhook queue in " + dir + ": " + e.getMessage(), e);
        }
        if (!pending.isEmpty()) {
            log.info("{} undelivered webhook batches restored from {}", pending.size(), file);
        }
        if (sync.equals("every_second")) {
            syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "switchboard-webhook-sync");
                t.setDaemon(true);
                return t;
            });
            syncer.scheduleAtFixedRate(this::syncIfDirty, 1, 1, TimeUnit.SECONDS);
        } else {
            syncer = null;
        }
    }

    @Override
    public synchronized void open(Set<String> targets) {
        for (WebhookBatch batch : new ArrayList<>(pending.values())) {
            if (targets.contains(batch.target())) {
                enqueue(batch);
            } else {
                log.warn(
                        "dropping stored webhook batch {} for {}: no such webhook is configured now",
                        batch.id(),
                        WebhookTarget.describe(batch.target()));
                ack(batch);
            }
        }
    }

    @Override
    public synchronized void add(String target, String body, long createdMillis) {
        long id = nextId++;
        WebhookBatch batch = new WebhookBatch(Long.toString(id), target, body, createdMillis);
        pending.put(id, batch);
        append(line(g -> {
            g.writeStringField("op", "add");
            g.writeNumberField("id", id);
            g.writeStringField("target", target);
            g.writeNumberField("created", createdMillis);
            g.writeStringField("body", body);
        }));
        enqueue(batch);
    }

    private void enqueue(WebhookBatch batch) {
        depths.computeIfAbsent(batch.target(), t -> new AtomicLong()).incrementAndGet();
        lane(batch.target()).add(batch);
    }

    private BlockingQueue<WebhookBatch> lane(String target) {
        return lanes.computeIfAbsent(target, t -> new LinkedBlockingQueue<>());
    }

    @Override
    public WebhookBatch take(String target) throws InterruptedException {
        return lane(target).take();
    }

    @Override
    public boolean delivering(String target) {
        return true;
    }

    @Override
    public long depth(String target) {
        AtomicLong depth = depths.get(target);
        return depth == null ? 0 : depth.get();
    }

    @Override
    public synchronized long oldestMillis(String target) {
        for (WebhookBatch b : pending.values()) {
            if (b.target().equals(target)) {
                return b.createdMillis();
            }
        }
        return 0;
    }

    @Override
    public synchronized void ack(WebhookBatch batch) {
        long id = Long.parseLong(batch.id());
        if (pending.remove(id) == null) {
            return;
        }
        AtomicLong depth = depths.get(batch.target());
        if (depth != null) {
            depth.decrementAndGet();
        }
        // A sender stopped just after a delivery acknowledges with its interrupt flag set, and an
        // interrupted FileChannel operation closes the channel for good: write without the flag.
        boolean interrupted = Thread.interrupted();
        try {
            append(line(g -> {
                g.writeStringField("op", "ack");
                g.writeNumberField("id", id);
            }));
            if (pending.isEmpty()) {
                compactIfLarge();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Undelivered batches in the queue. */
    public synchronized int size() {
        return pending.size();
    }

    @Override
    public synchronized void close() {
        if (syncer != null) {
            syncer.shutdownNow();
        }
        try {
            if (channel != null && channel.isOpen()) {
                channel.force(false);
                channel.close();
            }
        } catch (IOException e) {
            log.warn("closing the webhook queue: {}", e.toString());
        }
    }

    private void load() throws IOException {
        int lineNo = 0;
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (text.isBlank()) {
                continue;
            }
            try (JsonParser p = JSON.createParser(text)) {
                String op = null;
                String target = null;
                String body = null;
                long id = 0;
                long created = 0;
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("not an object");
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "op" -> op = p.getText();
                        case "id" -> id = p.getLongValue();
                        case "target" -> target = p.getText();
                        case "created" -> created = p.getLongValue();
                        case "body" -> body = p.getText();
                        default -> p.skipChildren();
                    }
                }
                if ("add".equals(op) && target != null && body != null) {
                    pending.put(id, new WebhookBatch(Long.toString(id), target, body, created));
                } else if ("ack".equals(op)) {
                    pending.remove(id);
                }
                nextId = Math.max(nextId, id + 1);
            } catch (IOException e) {
                // A line cut short by a crash: everything before it is intact.
                log.warn("{}:{}: skipping an unreadable webhook queue entry", file, lineNo);
            }
        }
    }

    /** Replaces the log with one holding only the pending batches. */
    private void rewrite() throws IOException {
        Path tmp = file.resolveSibling("webhooks.log.tmp");
        try (FileChannel out = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (WebhookBatch b : pending.values()) {
                out.write(ByteBuffer.wrap(line(g -> {
                    g.writeStringField("op", "add");
                    g.writeNumberField("id", Long.parseLong(b.id()));
                    g.writeStringField("target", b.target());
                    g.writeNumberField("created", b.createdMillis());
                    g.writeStringField("body", b.body());
                })));
            }
            out.force(true);
        }
        if (channel != null) {
            channel.close();
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private void compactIfLarge() {
        try {
            if (channel.size() > COMPACT_BYTES) {
                rewrite();
            }
        } catch (IOException e) {
            log.warn("compacting the webhook queue: {}", e.toString());
        }
    }

    private void append(byte[] line) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            if (sync.equals("always")) {
                channel.force(false);
            } else {
                dirty = true;
            }
        } catch (IOException e) {
            log.error("writing the webhook queue failed; webhooks are kept in memory only: {}", e.toString());
        }
    }

    private synchronized void syncIfDirty() {
        if (!dirty) {
            return;
        }
        try {
            channel.force(false);
            dirty = false;
        } catch (IOException e) {
            log.warn("syncing the webhook queue: {}", e.toString());
        }
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] line(Fields fields) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256)) {
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                fields.write(g);
                g.writeEndObject();
            }
            out.write('\n');
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
