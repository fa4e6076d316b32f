package io.switchboard.webhook;

import io.switchboard.core.ChannelKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hold-back of {@code channel_vacated} and {@code member_removed}: each is held for {@code
 * removal_delay_ms}, then its mark in the broker's stores is claimed and it is emitted unless a
 * return took the mark first. Wherever the return happened, on this node or another, and in
 * whatever order the two reached the webhook thread, exactly one of "removal sent" and "return not
 * reported" happens. Touched on the webhook thread only, but for {@link #settling} and {@link
 * #settleAll}.
 */
final class RemovalHolds {
    private static final Logger log = LoggerFactory.getLogger("switchboard.webhook");

    private record MemberKey(ChannelKey channel, String userId) {}

    /** A held-back removal: the timer that ends the hold, the claim of its mark, the emission. */
    private record Held(ScheduledFuture<?> timer, Supplier<CompletionStage<Boolean>> claim, Runnable emit) {}

    private final ScheduledExecutorService thread;
    private final long delayMs;
    private final Consumer<Runnable> submit;
    private final Map<ChannelKey, Held> vacating = new HashMap<>();
    private final Map<MemberKey, Held> removing = new HashMap<>();
    private boolean closed;
    private volatile boolean settling;

    /**
     * @param thread the webhook thread, which runs the hold timers
     * @param submit hands a claimed removal's emission to the webhook thread
     */
    RemovalHolds(ScheduledExecutorService thread, long delayMs, Consumer<Runnable> submit) {
        this.thread = thread;
        this.delayMs = delayMs;
        this.submit = submit;
    }

    /** Whether removals are no longer held (shutting down); read from any thread. */
    boolean settling() {
        return settling;
    }

    void vacated(ChannelKey channel, boolean marked, Supplier<CompletionStage<Boolean>> claim, Runnable emit) {
        hold(vacating, channel, marked, claim, emit);
    }

    /** The channel is occupied again within the hold: its vacancy is not sent. */
    void reoccupied(ChannelKey channel) {
        // The return took the vacancy mark, so a hold on this node would only find it gone.
        cancel(vacating, channel);
    }

    void memberRemoved(
            ChannelKey channel,
            String userId,
            boolean marked,
            Supplier<CompletionStage<Boolean>> claim,
            Runnable emit) {
        hold(removing, new MemberKey(channel, userId), marked, claim, emit);
    }

    /** The member is back within the hold: the removal is not sent. */
    void memberReturned(ChannelKey channel, String userId) {
        cancel(removing, new MemberKey(channel, userId));
    }

    /**
     * Holds a removal back for {@code removal_delay_ms}, then settles it. An unmarked removal (a
     * reaped node's, or one while shutting down) is emitted at once.
     */
    private <K> void hold(
            Map<K, Held> held, K key, boolean marked, Supplier<CompletionStage<Boolean>> claim, Runnable emit) {
        if (!marked || closed) {
            emit.run();
            return;
        }
        if (settling) {
            settle(claim, emit);
            return;
        }
        ScheduledFuture<?> timer = thread.schedule(
                () -> {
                    held.remove(key);
                    settle(claim, emit);
                },
                delayMs,
                TimeUnit.MILLISECONDS);
        // A hold already there is for a mark that a return has taken since (the store keeps one
        // mark per key): its claim could only take the new one early.
        cancel(held, key);
        held.put(key, new Held(timer, claim, emit));
    }

    private static <K> void cancel(Map<K, Held> held, K key) {
        Held h = held.remove(key);
        if (h != null) {
            h.timer().cancel(false);
        }
    }

    /** Ends every hold whose timer has not fired yet and returns them. */
    private List<Held> endHolds() {
        List<Held> ended = new ArrayList<>();
        for (Map<?, Held> held : List.of(vacating, removing)) {
            for (Held h : held.values()) {
                if (h.timer().cancel(false)) {
                    ended.add(h);
                }
            }
            held.clear();
        }
        return ended;
    }

    /** Claims the mark of a removal whose hold ended; completes once the emission is queued. */
    private CompletionStage<Void> settle(Supplier<CompletionStage<Boolean>> claim, Runnable emit) {
        return claim.get().handle((taken, error) -> {
            if (error != null) {
                // Better a removal the receiver may see twice than one it never sees.
                log.warn("claiming a held-back removal failed, sending it: {}", error.toString());
            }
            if (error != null || taken) {
                submit.accept(emit);
            }
            return null;
        });
    }

    /**
     * Waits {@code grace}, then stops holding and settles every hold still running; returns once
     * their claims are answered. Not on the webhook thread.
     */
    void settleAll(Duration grace) throws Exception {
        // The whole grace, not until no hold is left: the leaves of the connections just closed
        // may still be on their way from the broker's stores.
        Thread.sleep(grace);
        settling = true;
        List<CompletableFuture<Void>> settled = thread.submit(() -> {
                    List<CompletableFuture<Void>> out = new ArrayList<>();
                    for (Held h : endHolds()) {
                        out.add(settle(h.claim(), h.emit()).toCompletableFuture());
                    }
                    return out;
                })
                .get(5, TimeUnit.SECONDS);
        CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    }

    /** Emits every held removal now, unclaimed, and holds none from then on. */
    void close() {
        closed = true;
        endHolds().forEach(h -> h.emit().run());
    }
}
