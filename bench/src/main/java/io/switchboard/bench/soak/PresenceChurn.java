package io.switchboard.bench.soak;

import io.switchboard.bench.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Presence channels with steady members and continuous churn, plus client events. Each channel has
 * {@code steady} members that stay (the first of them is the channel's speaker) and, every round,
 * the members who joined in the previous round leave (half by {@code pusher:unsubscribe}, half by
 * closing the connection) and as many new users join. The speaker sends {@code clientEvents}
 * client events per round, numbered per channel, which every other member must receive and each
 * of which must produce a {@code client_event} webhook.
 *
 * <p>The joins and client events of a round happen {@code holdSeconds} (the server's webhook
 * removal delay) after its leaves, when the server sends the held-back {@code member_removed}
 * events: a round's webhooks then leave in one or two POSTs, which a receiver that takes seconds
 * per POST can keep up with (see bench/README.md).
 */
final class PresenceChurn {
    private final SoakContext ctx;
    private final List<String> channels;
    private final List<List<PresenceMember>> steady = new ArrayList<>();
    private final List<PresenceMember> churning = new CopyOnWriteArrayList<>();
    private final int churn;
    private final int clientEvents;
    private final int payload;
    private final long roundMillis;
    private final long holdMillis;
    private final AtomicLongArray sent;
    final LongAdder joins = new LongAdder();
    final LongAdder leaves = new LongAdder();
    final LongAdder eventsNotSent = new LongAdder();
    private volatile ScheduledFuture<?> rounds;
    private volatile boolean stopped;

    PresenceChurn(
            SoakContext ctx,
            List<String> channels,
            int steadyMembers,
            int churn,
            int clientEvents,
            int payload,
            double roundSeconds,
            double holdSeconds) {
        this.ctx = ctx;
        this.channels = List.copyOf(channels);
        this.churn = churn;
        this.clientEvents = clientEvents;
        this.payload = payload;
        this.roundMillis = (long) (roundSeconds * 1000);
        this.holdMillis = (long) (holdSeconds * 1000);
        this.sent = new AtomicLongArray(channels.size());
        for (String channel : channels) {
            List<PresenceMember> members = new ArrayList<>();
            for (int i = 0; i < steadyMembers; i++) {
                members.add(new PresenceMember(ctx, channel, true));
            }
            steady.add(members);
        }
    }

    /** Joins the steady members (returns at once). */
    void open() {
        for (List<PresenceMember> members : steady) {
            members.forEach(PresenceMember::join);
        }
    }

    /** Steady members currently subscribed. */
    int joinedSteady() {
        int n = 0;
        for (List<PresenceMember> members : steady) {
            for (PresenceMember m : members) {
                n += m.joined() ? 1 : 0;
            }
        }
        return n;
    }

    void startRounds() {
        rounds = ctx.loop.scheduleAtFixedRate(this::round, roundMillis, roundMillis, TimeUnit.MILLISECONDS);
    }

    /** No more rounds; members stay until {@link #close}. */
    void stop() {
        stopped = true;
        ScheduledFuture<?> r = rounds;
        if (r != null) {
            r.cancel(false);
        }
    }

    int channels() {
        return channels.size();
    }

    /** The number of the last client event sent on channel {@code ch} (0: none). */
    long lastSent(int ch) {
        return sent.get(ch);
    }

    /** Client events the members that are still joined have not received, up to the last sent. */
    long behind() {
        long n = 0;
        for (int ch = 0; ch < channels.size(); ch++) {
            List<PresenceMember> members = steady.get(ch);
            // the speaker (member 0) does not get its own events back
            for (int i = 1; i < members.size(); i++) {
                if (members.get(i).joined()) {
                    n += members.get(i).behind(sent.get(ch));
                }
            }
        }
        return n;
    }

    /** Every member leaves by closing its connection. */
    void close() {
        for (List<PresenceMember> members : steady) {
            members.forEach(m -> m.leave(false));
        }
        churning.forEach(m -> m.leave(false));
    }

    private void round() {
        if (stopped) {
            return;
        }
        List<PresenceMember> previous = new ArrayList<>(churning);
        churning.clear();
        for (int i = 0; i < previous.size(); i++) {
            previous.get(i).leave(i % 2 == 1);
            leaves.increment();
        }
        ctx.loop.schedule(this::joinAndSpeak, holdMillis, TimeUnit.MILLISECONDS);
    }

    private void joinAndSpeak() {
        if (stopped) {
            return;
        }
        for (int ch = 0; ch < channels.size(); ch++) {
            for (int i = 0; i < churn; i++) {
                PresenceMember m = new PresenceMember(ctx, channels.get(ch), false);
                churning.add(m);
                m.join();
                joins.increment();
            }
            PresenceMember speaker = steady.get(ch).get(0);
            for (int i = 0; i < clientEvents; i++) {
                long seq = sent.get(ch) + 1;
                long now = System.nanoTime();
                if (speaker.speak(Payload.data(now, seq, payload))) {
                    sent.set(ch, seq);
                    ctx.ledger.expect(WebhookLedger.clientEvent(channels.get(ch), seq));
                } else {
                    eventsNotSent.increment();
                }
            }
        }
    }
}
