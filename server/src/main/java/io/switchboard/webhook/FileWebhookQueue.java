package io.switchboard.webhook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of webhook batches: one line per added batch, one per acknowledgement (a batch
 * dropped over the cap is acknowledged too; see {@link WebhookLogLines}). On open, unacknowledged
 * batches are read back and the log is rewritten with only them; while running it is rewritten the
 * same way whenever it has grown to more than twice what it must keep, so its size follows the
 * backlog, not the traffic.
 * The log is forced to disk after every write ({@code always}), once a second ({@code
 * every_second}) or when the OS decides ({@code never}); a crash loses at most what was not yet
 * forced. This node delivers every lane.
 *
 * <p>Each target keeps at most {@code maxBacklogBytes} of bodies: beyond it the oldest batches not
 * yet handed to the sender are dropped, the newest is always kept. Bodies are held in memory once,
 * in their lane, and a start reads the log line by line, keeping only that much per target.
 *
 * <p>This class keeps the lanes and decides what the log holds; {@link WebhookLogFile} writes,
 * forces and replaces the file.
 */
public final class FileWebhookQueue implements WebhookQueue {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");
    /** Below this the log is never rewritten while running: small logs cost nothing to keep. */
    private static final long COMPACT_MIN_BYTES = 4 * 1024 * 1024;

    private final WebhookLogFile file;
    private final long maxBacklogBytes;
    /** Per target; a lane's contents are guarded by this queue's lock. */
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

    private long nextId = 1;
    /** Bytes of the add lines of the batches not acknowledged: what a rewrite would keep. */
    private long liveBytes;

    /** A batch not acknowledged yet, with what it costs. */
    private static final class Stored {
        final WebhookBatch batch;
        final long id;
        final int bodyBytes;
        final int lineBytes;
        /** Handed to the sender by {@link #take}: never dropped. */
        boolean taken;

        Stored(WebhookBatch batch, long id, int bodyBytes, int lineBytes) {
            this.batch = batch;
            this.id = id;
            this.bodyBytes = bodyBytes;
            this.lineBytes = lineBytes;
        }
    }

    /** One target's batches not acknowledged yet, oldest first. */
    private final class Lane {
        final LinkedHashMap<Long, Stored> batches = new LinkedHashMap<>();
        final DroppedBatches dropped;
        long bodyBytes;
        // Copies for readers without the lock.
        volatile long depth;
        volatile long oldestMillis;

        Lane(String target) {
            dropped = new DroppedBatches(target, maxBacklogBytes);
        }

        void put(Stored s) {
            batches.put(s.id, s);
            bodyBytes += s.bodyBytes;
            liveBytes += s.lineBytes;
            published();
        }

        Stored remove(long id) {
            Stored s = batches.remove(id);
            if (s != null) {
                forget(s);
                published();
            }
            return s;
        }

        private void forget(Stored s) {
            bodyBytes -= s.bodyBytes;
            liveBytes -= s.lineBytes;
        }

        /**
         * Drops the oldest batches not taken until the lane is within the cap or only the newest is
         * left to drop; writes their acknowledgements when {@code logged}.
         */
        void trim(boolean logged) {
            long count = 0;
            long bytes = 0;
            Iterator<Stored> it = batches.values().iterator();
            while (bodyBytes > maxBacklogBytes && it.hasNext()) {
                Stored s = it.next();
                if (s.taken || !it.hasNext()) {
                    continue; // being sent, or the newest
                }
                it.remove();
                forget(s);
                count++;
                bytes += s.bodyBytes;
                if (logged) {
                    appendAck(s.id);
                }
            }
            if (count > 0) {
                published();
                dropped.record(count, bytes);
            }
        }

        Stored nextWaiting() {
            for (Stored s : batches.values()) {
                if (!s.taken) {
                    return s;
                }
            }
            return null;
        }

        private void published() {
            depth = batches.size();
            oldestMillis = batches.isEmpty()
                    ? 0
                    : batches.firstEntry().getValue().batch.createdMillis();
        }
    }

    /**
     * @param dir the directory holding {@code webhooks.log}; created if missing
     * @param sync {@code always}, {@code every_second} or {@code never}
     * @param maxBacklogBytes bytes of bodies each target may keep waiting
     */
    public FileWebhookQueue(Path dir, String sync, long maxBacklogBytes) {
        this.maxBacklogBytes = maxBacklogBytes;
        try {
            this.file = new WebhookLogFile(dir, sync);
            file.read(this::loadLine);
            rewrite();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the webhook queue in " + dir + ": " + e.getMessage(), e);
        }
        if (size() > 0) {
            log.info("{} undelivered webhook batches restored from {}", size(), file.path());
        }
        file.startSyncing();
    }

    @Override
    public synchronized void open(Set<String> targets) {
        for (Map.Entry<String, Lane> e : lanes.entrySet()) {
            if (targets.contains(e.getKey())) {
                continue;
            }
            Lane lane = e.getValue();
            for (Stored s : lane.batches.values().toArray(Stored[]::new)) {
                log.warn(
                        "dropping stored webhook batch {} for {}: no such webhook is configured now",
                        s.batch.id(),
                        WebhookTarget.describe(e.getKey()));
                lane.remove(s.id);
                appendAck(s.id);
            }
        }
        lanes.keySet().retainAll(targets);
        targets.forEach(this::lane);
        compactIfLarge();
    }

    @Override
    public synchronized void add(String target, String body, long createdMillis) {
        long id = nextId++;
        byte[] line = WebhookLogLines.add(id, target, createdMillis, body);
        file.append(line);
        Lane lane = lane(target);
        lane.put(new Stored(
                new WebhookBatch(Long.toString(id), target, body, createdMillis),
                id,
                WebhookBatch.utf8Length(body),
                line.length));
        lane.trim(true);
        notifyAll();
    }

    private Lane lane(String target) {
        return lanes.computeIfAbsent(target, Lane::new);
    }

    @Override
    public synchronized WebhookBatch take(String target) throws InterruptedException {
        Lane lane = lane(target);
        while (true) {
            Stored next = lane.nextWaiting();
            if (next != null) {
                next.taken = true;
                return next.batch;
            }
            wait();
        }
    }

    @Override
    public boolean delivering(String target) {
        return true;
    }

    @Override
    public long depth(String target) {
        Lane lane = lanes.get(target);
        return lane == null ? 0 : lane.depth;
    }

    @Override
    public long dropped(String target) {
        Lane lane = lanes.get(target);
        return lane == null ? 0 : lane.dropped.total();
    }

    @Override
    public long oldestMillis(String target) {
        Lane lane = lanes.get(target);
        return lane == null ? 0 : lane.oldestMillis;
    }

    @Override
    public synchronized void ack(WebhookBatch batch) {
        long id = Long.parseLong(batch.id());
        Lane lane = lanes.get(batch.target());
        if (lane == null || lane.remove(id) == null) {
            return; // dropped meanwhile
        }
        // A sender stopped just after a delivery acknowledges with its interrupt flag set, and an
        // interrupted FileChannel operation closes the channel for good: write without the flag.
        boolean interrupted = Thread.interrupted();
        try {
            appendAck(id);
            compactIfLarge();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Undelivered batches in the queue. */
    synchronized int size() {
        int size = 0;
        for (Lane lane : lanes.values()) {
            size += lane.batches.size();
        }
        return size;
    }

    @Override
    public synchronized void close() {
        file.close();
    }

    /**
     * Takes one line of the log read back at start, keeping per target only the newest batches
     * within the cap, so a log grown large (a lower cap than before, an older version) costs no more
     * memory than that.
     */
    private void loadLine(String text, int lineNo) {
        WebhookLogLines.Line line;
        try {
            line = WebhookLogLines.parse(text);
        } catch (IOException e) {
            // A line cut short by a crash: everything before it is intact.
            log.warn("{}:{}: skipping an unreadable webhook queue entry", file.path(), lineNo);
            return;
        }
        if (line.isAdd()) {
            Lane lane = lane(line.target());
            lane.put(new Stored(
                    new WebhookBatch(Long.toString(line.id()), line.target(), line.body(), line.createdMillis()),
                    line.id(),
                    WebhookBatch.utf8Length(line.body()),
                    WebhookBatch.utf8Length(text) + 1));
            lane.trim(false); // the rewrite after loading leaves dropped batches out
        } else if (line.isAck()) {
            for (Lane lane : lanes.values()) {
                if (lane.remove(line.id()) != null) {
                    break;
                }
            }
        }
        nextId = Math.max(nextId, line.id() + 1);
    }

    /** Replaces the log with one holding only the batches not acknowledged. */
    private void rewrite() throws IOException {
        Iterator<byte[]> lines = lanes.values().stream()
                .flatMap(lane -> lane.batches.values().stream())
                .map(s -> WebhookLogLines.add(s.id, s.batch.target(), s.batch.createdMillis(), s.batch.body()))
                .iterator();
        file.rewrite(lines);
    }

    /**
     * Rewrites the log once it holds more than twice what it must keep (and a few MiB): each
     * rewrite copies at most as much as was appended since the last one.
     */
    private void compactIfLarge() {
        long fileBytes = file.bytes();
        if (fileBytes <= COMPACT_MIN_BYTES || fileBytes <= 2 * liveBytes) {
            return;
        }
        try {
            rewrite();
        } catch (IOException e) {
            log.warn("compacting the webhook queue: {}", e.toString());
        }
    }

    private void appendAck(long id) {
        file.append(WebhookLogLines.ack(id));
    }
}
