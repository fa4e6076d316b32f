package io.switchboard.bench.soak;

import io.netty.channel.EventLoop;
import io.switchboard.bench.Io;
import io.switchboard.bench.Signer;
import io.switchboard.bench.Target;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every part of the soak load shares: the event loops, the server, the meters of the
 * well-behaved receivers, the webhook ledger, and the switch that ends reconnecting.
 */
final class SoakContext {
    final Io io;
    final Target target;
    /** Runs the load's timers: publishing, presence rounds, reconnections. */
    final EventLoop loop;

    final Deliveries fanout = new Deliveries("fanout");
    final Deliveries fallback = new Deliveries("fallback");
    final Deliveries clientEvents = new Deliveries("client_events");
    final WebhookLedger ledger = new WebhookLedger();

    /** Well-behaved connections the server closed and that were opened again. */
    final LongAdder reconnects = new LongAdder();
    /** {@code pusher:error} and failed requests seen by well-behaved clients. */
    final LongAdder errors = new LongAdder();
    /** Events a deliberately broken subscriber threw away ({@code --break-subscriber}). */
    final LongAdder droppedOnPurpose = new LongAdder();
    /** Well-behaved WebSocket clients currently subscribed. */
    final AtomicInteger subscribed = new AtomicInteger();

    private final long reconnectDelayMillis;
    private final AtomicLong userIds = new AtomicLong();
    private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sampleCount = new AtomicInteger();
    private final ThreadLocal<Signer> signers;
    private volatile boolean stopping;

    SoakContext(Io io, Target target, double reconnectDelaySeconds) {
        this.io = io;
        this.target = target;
        this.loop = io.group().next();
        this.reconnectDelayMillis = (long) (reconnectDelaySeconds * 1000);
        this.signers = ThreadLocal.withInitial(() -> new Signer(target.secret()));
    }

    /** Signs with the app secret; one signer per thread. */
    Signer signer() {
        return signers.get();
    }

    /** A user id never used before in this run. */
    String nextUserId() {
        return "u" + userIds.incrementAndGet();
    }

    /** Opens a well-behaved client again after the reconnect delay, unless the run is ending. */
    void reconnectLater(Runnable open) {
        if (stopping) {
            return;
        }
        reconnects.increment();
        loop.schedule(
                () -> {
                    if (!stopping) {
                        open.run();
                    }
                },
                reconnectDelayMillis,
                TimeUnit.MILLISECONDS);
    }

    /** The run is ending: closed clients stay closed. */
    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    /** Counts an error of a well-behaved client and keeps the first few. */
    void error(String what) {
        errors.increment();
        note(what);
    }

    /** Keeps the first few notable things that happened, for the result line. */
    void note(String what) {
        if (sampleCount.incrementAndGet() <= 8) {
            samples.add(what.length() > 300 ? what.substring(0, 300) : what);
        }
    }

    List<String> notes() {
        return List.copyOf(samples);
    }
}
