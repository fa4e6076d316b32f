package io.switchboard.webhook;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file under {@link FileWebhookQueue}, {@code webhooks.log}: read back line by line at start,
 * appended to one line at a time, replaced whole by a rewrite, and forced to disk after every write
 * ({@code always}), once a second on its own thread ({@code every_second}) or when the OS decides
 * ({@code never}). Knows lines as bytes; what they mean is {@link WebhookLogLines}'. Thread-safe.
 */
final class WebhookLogFile implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    private final Path file;
    private final String sync;
    private ScheduledExecutorService syncer;
    private FileChannel channel;
    private boolean dirty;
    /** Bytes in the file. */
    private long bytes;

    /** A line read back, with its number (from 1) and its text without the line end. */
    interface LineReader {
        void line(String text, int lineNo);
    }

    /**
     * Creates the directory if missing; opens nothing yet (see {@link #rewrite}).
     *
     * @param sync {@code always}, {@code every_second} or {@code never}
     */
    WebhookLogFile(Path dir, String sync) throws IOException {
        this.sync = sync;
        Files.createDirectories(dir);
        this.file = dir.resolve("webhooks.log");
    }

    Path path() {
        return file;
    }

    /** Bytes in the file. */
    synchronized long bytes() {
        return bytes;
    }

    /** Reads every line that is not blank, if the file exists. */
    void read(LineReader reader) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        int lineNo = 0;
        // A decoder that replaces what is not UTF-8: a line cut short by a crash is skipped by the
        // reader instead of failing the start.
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                lineNo++;
                if (!text.isBlank()) {
                    reader.line(text, lineNo);
                }
            }
        }
    }

    /** Replaces the file with one holding only {@code lines}, forced to disk, and appends after them. */
    synchronized void rewrite(Iterator<byte[]> lines) throws IOException {
        Path tmp = file.resolveSibling("webhooks.log.tmp");
        long written = 0;
        try (FileChannel out = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (lines.hasNext()) {
                ByteBuffer line = ByteBuffer.wrap(lines.next());
                written += line.remaining();
                while (line.hasRemaining()) {
                    out.write(line);
                }
            }
            out.force(true);
        }
        if (channel != null) {
            channel.close();
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        bytes = written;
        dirty = false;
    }

    /** Starts forcing the file once a second, with {@code every_second}; after the first rewrite. */
    synchronized void startSyncing() {
        if (sync.equals("every_second")) {
            syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "switchboard-webhook-sync");
                t.setDaemon(true);
                return t;
            });
            syncer.scheduleAtFixedRate(this::syncIfDirty, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Appends one line; a write that fails is logged, and the batches stay in memory only. */
    synchronized void append(byte[] line) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            bytes += line.length;
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
}
