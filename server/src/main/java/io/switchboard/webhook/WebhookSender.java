package io.switchboard.webhook;

import io.switchboard.config.WebhookSettings;
import io.switchboard.debug.DebugTap;
import io.switchboard.protocol.Signatures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one target's batches in order, one at a time, on a virtual thread: it takes the next
 * batch of the target's lane from the queue, retries it with exponential backoff and jitter on
 * network errors, timeouts and any non-2xx answer until it succeeds or {@code retry_for_seconds}
 * pass, and only then acknowledges it and takes the next one, so the receiver sees every channel's
 * events in order. When the queue hands the lane to another node mid-way, the batch is left
 * unacknowledged for that node.
 */
public final class WebhookSender {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    /** Replaced when the app changes live (a rotated secret, other filters); its key stays. */
    private volatile WebhookTarget target;

    private final WebhookSettings settings;
    private final WebhookQueue queue;
    private final HttpClient http;
    private final WebhookTimings timings;
    private final DebugTap debug;
    private final Thread thread;
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** Failures that were not the receiver's: requests the HTTP client refused, queue errors. */
    final AtomicLong laneErrors = new AtomicLong();

    private volatile boolean running = true;
    private static final int RECENT = 20;
    /** The last {@link #RECENT} outcomes, oldest first; guarded by itself. */
    private final java.util.ArrayDeque<Delivery> recent = new java.util.ArrayDeque<>();

    /**
     * One try of a batch, for operators: when it ended, where it went, how.
     *
     * @param outcome {@code delivered}, {@code retrying} or {@code failed} (given up)
     * @param problem why the try failed (an HTTP status or an I/O error), or {@code null}
     */
    public record Delivery(long atMillis, String url, String outcome, int attempt, String problem) {}

    /** How one batch's delivery ended. */
    private enum Outcome {
        /** Delivered, or given up: acknowledge it. */
        DONE,
        /** This node stopped delivering the lane: leave it to the next deliverer. */
        HANDED_OVER,
        /** Stopping: leave it in the queue. */
        STOPPED
    }

    WebhookSender(
            WebhookTarget target,
            WebhookSettings settings,
            WebhookQueue queue,
            HttpClient http,
            WebhookTimings timings,
            DebugTap debug) {
        this.target = target;
        this.debug = debug;
        this.settings = settings;
        this.queue = queue;
        this.http = http;
        this.timings = timings;
        this.thread = Thread.ofVirtual()
                .name("switchboard-webhook-" + target.app().id())
                .uncaughtExceptionHandler((t, e) -> {
                    // Only an Error gets here (run catches every exception): the lane is dead, and
                    // the age of its oldest batch grows from now on.
                    laneErrors.incrementAndGet();
                    log.error("webhook delivery to {} stopped", target.describe(), redacted(e));
                })
                .start(this::run);
    }

    String appId() {
        return target.app().id();
    }

    /** Uses {@code changed} (same key) from the next try on. */
    void retarget(WebhookTarget changed) {
        target = changed;
    }

    /** The last outcomes, oldest first. */
    List<Delivery> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** @param status the receiver's HTTP status, or 0 when it did not answer */
    private void record(String outcome, int attempt, int status, String problem, WebhookBatch batch) {
        Delivery d = new Delivery(
                System.currentTimeMillis(),
                WebhookTarget.loggableUrl(target.webhook().url()),
                outcome,
                attempt,
                problem == null ? null : target.redact(problem));
        debug.webhookTry(target.app().id(), d.url(), outcome, attempt, status, d.problem(), batch.body());
        synchronized (recent) {
            if (recent.size() == RECENT) {
                recent.removeFirst();
            }
            recent.addLast(d);
        }
    }

    /** Batches of this target waiting for delivery, the one being tried included. */
    long depth() {
        return queue.depth(target.key());
    }

    /** Batches of this target dropped because its backlog passed its cap. */
    long dropped() {
        return queue.dropped(target.key());
    }

    /** When the oldest batch waiting was formed (the one being tried included), or 0 when none. */
    long oldestMillis() {
        return queue.oldestMillis(target.key());
    }

    /**
     * Stops after the current try: a POST under way is awaited (its answer decides whether the
     * batch is acknowledged, so the receiver never gets it twice), a wait for a batch or for a
     * retry ends at once. Undelivered batches stay in the durable queue.
     */
    void stop() {
        running = false;
        thread.interrupt();
    }

    /** Waits for {@link #stop} to take effect: at most one POST's timeout plus a little. */
    void awaitStop() throws InterruptedException {
        thread.join(Duration.ofMillis(settings.timeoutMs() + 1000L));
    }

    private void run() {
        long pause = settings.retryInitialMs();
        WebhookBatch batch = null; // taken and not finished: tried again after an error
        while (running) {
            try {
                if (batch == null) {
                    batch = queue.take(target.key());
                }
                Outcome outcome = deliver(batch);
                WebhookBatch finished = batch;
                batch = null;
                switch (outcome) {
                    case DONE -> queue.ack(finished);
                    case HANDED_OVER ->
                        log.debug("left a webhook batch to {} to the node delivering it now", target.describe());
                    case STOPPED -> {
                        return; // the batch stays in the durable queue
                    }
                }
                pause = settings.retryInitialMs();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Not the receiver's doing, and not while sending (deliver handles that): the queue
                // failed. What it did not acknowledge stays in it.
                laneErrors.incrementAndGet();
                log.warn("webhook queue of {} failed, trying again in {} ms", target.describe(), pause, redacted(e));
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException stop) {
                    return;
                }
                pause = Math.min(settings.retryMaxMs(), pause * 2);
            }
        }
    }

    private Outcome deliver(WebhookBatch batch) {
        long giveUpAt = batch.createdMillis() + settings.retryForSeconds() * 1000L;
        long delay = settings.retryInitialMs();
        for (int attempt = 1; running; attempt++) {
            if (!queue.delivering(target.key())) {
                return Outcome.HANDED_OVER;
            }
            String problem;
            long sent = System.nanoTime();
            int status = 0;
            try {
                // Not interruptible: a stop waits for the answer (bounded by timeout_ms), since a
                // POST abandoned after the receiver took it would be sent again by the next node.
                HttpResponse<Void> response = http.sendAsync(request(batch), HttpResponse.BodyHandlers.discarding())
                        .join();
                status = response.statusCode();
                if (status / 100 == 2) {
                    timings.success().record(System.nanoTime() - sent);
                    timings.deliveryDelay()
                            .record(TimeUnit.MILLISECONDS.toNanos(
                                    Math.max(0, System.currentTimeMillis() - batch.createdMillis())));
                    delivered.incrementAndGet();
                    record("delivered", attempt, status, null, batch);
                    return Outcome.DONE;
                }
                problem = "HTTP " + status;
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                problem = problem(cause);
                if (!(cause instanceof IOException)) {
                    laneError(batch, attempt, problem, cause);
                }
            } catch (RuntimeException e) {
                // Not the receiver's doing (a request the HTTP client refuses, a bug): tried again
                // like a failed POST, so one bad batch or setting cannot stop the lane for good.
                problem = problem(e);
                laneError(batch, attempt, problem, e);
            }
            timings.error().record(System.nanoTime() - sent);
            if (!running) {
                return Outcome.STOPPED;
            }
            long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
            if (System.currentTimeMillis() + jittered > giveUpAt) {
                failed.incrementAndGet();
                record("failed", attempt, status, problem, batch);
                // Sizes only: the body carries users' data, client events' payloads among it.
                log.warn(
                        "giving up webhook batch {} to {} after {} tries ({}): {} events, {} bytes",
                        batch.id(),
                        target.describe(),
                        attempt,
                        problem,
                        batch.eventCount(),
                        batch.bodyBytes());
                return Outcome.DONE;
            }
            retried.incrementAndGet();
            record("retrying", attempt, status, problem, batch);
            log.info(
                    "webhook batch {} to {} failed ({}), retry {} in {} ms",
                    batch.id(),
                    target.describe(),
                    problem,
                    attempt,
                    jittered);
            try {
                Thread.sleep(jittered);
            } catch (InterruptedException e) {
                return Outcome.STOPPED;
            }
            delay = Math.min(settings.retryMaxMs(), delay * 2);
        }
        return Outcome.STOPPED;
    }

    /** Counts a failure that is not the receiver's; its stack trace is logged once per batch. */
    private void laneError(WebhookBatch batch, int attempt, String problem, Throwable error) {
        laneErrors.incrementAndGet();
        if (attempt == 1) {
            log.warn(
                    "webhook batch {} to {} could not be sent ({}); retrying like a failed POST",
                    batch.id(),
                    target.describe(),
                    problem,
                    redacted(error));
        }
    }

    private String problem(Throwable error) {
        return target.redact(
                error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage()));
    }

    /** The error with the target's URL shown as in every log line (no credentials, no query). */
    private Throwable redacted(Throwable error) {
        Throwable shown = new IllegalStateException(target.redact(error.toString()));
        shown.setStackTrace(error.getStackTrace());
        return shown;
    }

    private HttpRequest request(WebhookBatch batch) {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create(target.webhook().url()))
                .timeout(Duration.ofMillis(settings.timeoutMs()))
                .header("Content-Type", "application/json")
                .header("X-Pusher-Key", target.app().key())
                .header(
                        "X-Pusher-Signature",
                        Signatures.hmacSha256Hex(target.app().secret(), batch.body()))
                .POST(HttpRequest.BodyPublishers.ofString(batch.body()));
        target.webhook().headers().forEach(b::header);
        return b.build();
    }
}
