package io.switchboard.channel;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.app.HistoryRule;
import io.switchboard.broker.Broker;
import io.switchboard.broker.ChannelKey;
import io.switchboard.broker.CountStore;
import io.switchboard.broker.Envelope;
import io.switchboard.broker.HistoryStore;
import io.switchboard.broker.Member;
import io.switchboard.broker.PresenceStore;
import io.switchboard.debug.DebugTap;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ServerFrames;
import io.switchboard.protocol.SharedFrame;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribing, leaving and publishing: keeps this node's {@link ChannelTable} and the broker's
 * cluster-wide state (counts, presence, cache) in step, and tells the {@link ChannelObserver} about
 * lifecycle changes.
 */
public final class Channels {
    private static final Logger log = LoggerFactory.getLogger("switchboard.channel");

    private final Broker broker;
    private final ChannelTable table;
    private final ChannelObserver observer;
    private final SubscriptionCountEvents countEvents;
    private final LongAdder published = new LongAdder();
    private final Map<String, LongAdder> publishedByApp = new ConcurrentHashMap<>();
    private final DebugTap debug;
    private final History history;
    private final long maxHeldBytes;

    /** Channels of apps without history. */
    public Channels(
            Broker broker,
            ChannelTable table,
            ChannelObserver observer,
            EventExecutor timer,
            Predicate<String> countEventsEnabled,
            DebugTap debug) {
        this(broker, table, observer, timer, countEventsEnabled, debug, History.NONE, DEFAULT_MAX_HELD_BYTES);
    }

    /** What a subscriber being replayed may hold of live events unless told otherwise: 1 MiB. */
    public static final long DEFAULT_MAX_HELD_BYTES = 1 << 20;

    /**
     * @param timer runs the subscription count events' timers
     * @param countEventsEnabled whether an app (by id) sends {@code pusher_internal:subscription_count}
     * @param debug where occupied, vacated and member changes are reported for the debug console
     * @param history which channels keep history
     * @param maxHeldBytes what a subscriber being replayed may hold of live events meanwhile; over it
     *     the connection is closed with 4100, like a slow consumer
     */
    public Channels(
            Broker broker,
            ChannelTable table,
            ChannelObserver observer,
            EventExecutor timer,
            Predicate<String> countEventsEnabled,
            DebugTap debug,
            History history,
            long maxHeldBytes) {
        this.history = history;
        this.maxHeldBytes = maxHeldBytes;
        this.broker = broker;
        this.debug = debug;
        this.table = table;
        this.observer = observer;
        this.countEvents = new SubscriptionCountEvents(
                broker, timer, countEventsEnabled, (key, frame) -> publish(key, frame, null));
    }

    /** Events published from this node since start (REST, client events, presence changes). */
    public long published() {
        return published.sum();
    }

    /** Events of one app published from this node since start. */
    public long published(String appId) {
        LongAdder n = publishedByApp.get(appId);
        return n == null ? 0 : n.sum();
    }

    public Broker broker() {
        return broker;
    }

    public ChannelTable table() {
        return table;
    }

    public ChannelObserver observer() {
        return observer;
    }

    /** The history rule of {@code key}, or {@code null} when the channel keeps no history. */
    public HistoryRule historyRule(ChannelKey key) {
        return history.rule(key);
    }

    /** The channel's retained events under {@code rule}, as the broker keeps them. */
    public CompletionStage<HistoryStore.Page> historyAfter(ChannelKey key, HistoryRule rule, long after, int limit) {
        return broker.history().after(key, history.retention(key, rule), after, limit);
    }

    /** Like {@link #historyAfter}, newest first, below {@code before}. */
    public CompletionStage<HistoryStore.Page> historyBefore(ChannelKey key, HistoryRule rule, long before, int limit) {
        return broker.history().before(key, history.retention(key, rule), before, limit);
    }

    /**
     * What a subscriber asks of a history channel's past.
     *
     * @param rule the channel's history rule
     * @param resumeAfter the last serial the client saw ({@code resume_after}), or -1 to rewind
     * @param overflow runs (on the subscriber's loop) when more live events arrive during the replay
     *     than may be held
     */
    public record Replay(HistoryRule rule, long resumeAfter, Runnable overflow) {
        public boolean resumes() {
            return resumeAfter >= 0;
        }
    }
    /**
     * What a subscribe produced.
     *
     * @param subscription the new subscription, or {@code null} when refused
     * @param members presence members after joining (presence channels only)
     * @param cached the cache channel's last event, or {@code null}
     * @param failed refused because the cluster-wide stores did not answer (not a full channel)
     */
    public record Subscribed(Subscription subscription, List<Member> members, byte[] cached, boolean failed) {
        public Subscribed(Subscription subscription, List<Member> members, byte[] cached) {
            this(subscription, members, cached, false);
        }

        public boolean refused() {
            return subscription == null;
        }
    }

    /**
     * Subscribes {@code subscriber}. The callback runs on the subscriber's event loop after the
     * subscriber is in the table, so the caller's success frame precedes any event it receives.
     *
     * @param member the presence member, for presence channels; {@code null} otherwise
     * @param maxMembers the app's presence member limit
     * @return the subscription, pending until {@code done} runs; pass it to {@link #unsubscribe}
     */
    public Subscription subscribe(
            ChannelKey key,
            ChannelType type,
            Subscriber subscriber,
            Member member,
            int maxMembers,
            Consumer<Subscribed> done) {
        return subscribe(key, type, subscriber, member, maxMembers, null, done);
    }

    /**
     * Subscribes {@code subscriber}, holding the channel's live events for it when {@code replay}
     * is given: after writing its success frame the caller calls {@link #replay}, which writes the
     * past events and then the held ones, with no gap and no duplicate between them.
     */
    public Subscription subscribe(
            ChannelKey key,
            ChannelType type,
            Subscriber subscriber,
            Member member,
            int maxMembers,
            Replay replay,
            Consumer<Subscribed> done) {
        EventLoop loop = subscriber.eventLoop();
        String userId = type.presence() && member != null ? member.userId() : null;
        Subscription sub = new Subscription(key, type, userId);
        CompletionStage<PresenceStore.JoinResult> joined = userId == null
                ? CompletableFuture.completedFuture(null)
                : broker.presence().join(key, subscriber.socketId(), member, maxMembers);
        CompletionStage<byte[]> cached =
                type.cache() ? broker.cache().get(key) : CompletableFuture.completedFuture(null);
        joined.thenCombine(cached, Pending::new)
                .whenComplete((pending, error) -> onLoop(loop, () -> {
                    if (error != null) {
                        // The broker logs its outages; one line per refused client would repeat it.
                        log.debug("subscribe to {} failed: {}", key, error.toString());
                        sub.refuse();
                        done.accept(new Subscribed(null, List.of(), null, true));
                    } else if (pending.join() != null && !pending.join().accepted()) {
                        sub.refuse();
                        done.accept(new Subscribed(null, List.of(), null));
                    } else {
                        Subscribed result = activate(sub, subscriber, member, pending, replay);
                        if (result.refused()) {
                            done.accept(result);
                        } else {
                            // Answer only once this node receives the channel's events from every
                            // node, so nothing published after the answer is missed (and not at all
                            // when the client left the channel meanwhile).
                            broker.whenSubscribed(key)
                                    .whenComplete((v, e) -> onLoop(loop, () -> {
                                        if (!sub.cancelled()) {
                                            done.accept(result);
                                        }
                                    }));
                        }
                    }
                }));
        return sub;
    }

    private record Pending(PresenceStore.JoinResult join, byte[] cached) {}

    private Subscribed activate(
            Subscription sub, Subscriber subscriber, Member member, Pending pending, Replay replay) {
        ChannelKey key = sub.channel();
        if (sub.cancelled()) {
            // Left while the stores were answering: undo the presence join they recorded.
            if (pending.join() != null) {
                leavePresence(key, subscriber.socketId(), sub.presenceUserId());
            }
            sub.refuse();
            return new Subscribed(null, List.of(), null);
        }
        if (replay != null) {
            ReplayingSubscriber replaying = new ReplayingSubscriber(subscriber, maxHeldBytes, replay.overflow());
            sub.replaying(replaying);
            sub.activate(table.add(key, replaying));
        } else {
            sub.activate(table.add(key, subscriber));
        }
        if (sub.type() != ChannelType.SERVER_TO_USER) {
            broker.counts().increment(key).whenComplete((change, error) -> countChanged(key, change, 1, false, error));
        }
        PresenceStore.JoinResult join = pending.join();
        if (join != null && join.firstConnection()) {
            publish(
                    key,
                    ServerFrames.memberAdded(key.name(), member.userId(), member.userInfo()),
                    subscriber.socketId());
            observer.memberAdded(key, member.userId(), join.returning());
            debug.memberChanged(key.appId(), key.name(), member.userId(), true);
        }
        if (sub.type().cache() && pending.cached() == null) {
            observer.cacheMiss(key);
        }
        return new Subscribed(sub, join == null ? List.of() : join.members(), pending.cached());
    }

    /** Ends a subscription. Called on the subscriber's event loop; safe to call twice. */
    public void unsubscribe(Subscription sub, Subscriber subscriber) {
        if (!sub.cancel() || sub.slot() == null) {
            return; // already left, or still pending: activation sees the cancel and cleans up
        }
        table.remove(sub.slot());
        if (sub.replaying() != null) {
            sub.replaying().discard();
        }
        ChannelKey key = sub.channel();
        if (!sub.type().equals(ChannelType.SERVER_TO_USER)) {
            long hold = observer.removalHoldMs(key.appId());
            broker.counts()
                    .decrement(key, hold)
                    .whenComplete((change, error) -> countChanged(key, change, -1, hold > 0, error));
        }
        if (sub.presenceUserId() != null) {
            leavePresence(key, subscriber.socketId(), sub.presenceUserId());
        }
    }

    private void countChanged(ChannelKey key, CountStore.Change change, int delta, boolean marked, Throwable error) {
        if (error != null) {
            log.warn("updating the subscription count of {} failed: {}", key, error.toString());
            return;
        }
        if (delta > 0 && change.count() == 1) {
            observer.channelOccupied(key, change.returning());
            debug.channelChanged(key.appId(), key.name(), true);
        } else if (delta < 0 && change.count() == 0) {
            observer.channelVacated(key, marked);
            debug.channelChanged(key.appId(), key.name(), false);
        }
        if (!ChannelType.of(key.name()).presence()) {
            observer.subscriptionCount(key, change.count());
            countEvents.changed(key);
        }
    }

    private void leavePresence(ChannelKey key, String socketId, String userId) {
        long hold = observer.removalHoldMs(key.appId());
        broker.presence().leave(key, socketId, userId, hold).whenComplete((last, error) -> {
            if (error == null && last) {
                publish(key, ServerFrames.memberRemoved(key.name(), userId), null);
                observer.memberRemoved(key, userId, hold > 0);
                debug.memberChanged(key.appId(), key.name(), userId, false);
            }
        });
    }

    /**
     * Sends a subscription's past events (it was made with a {@link Replay}), after its success frame:
     * the events the history holds, then on resume the marker ({@code switchboard:resumed} or {@code
     * switchboard:resume_failed}), then the live events held meanwhile that came after the history
     * read, then live events as they come. Called on the subscriber's event loop.
     */
    public void replay(Subscription sub, Replay replay) {
        ReplayingSubscriber replaying = sub.replaying();
        if (replaying == null || !sub.active()) {
            return;
        }
        ChannelKey key = sub.channel();
        HistoryRule rule = replay.rule();
        CompletionStage<HistoryStore.Page> read = replay.resumes()
                ? historyAfter(key, rule, replay.resumeAfter(), rule.maxEvents())
                : historyBefore(key, rule, Long.MAX_VALUE, rule.rewind() > 0 ? rule.rewind() : rule.maxEvents());
        read.whenComplete((page, error) -> onLoop(replaying.eventLoop(), () -> {
            if (!sub.active()) {
                replaying.discard();
                return;
            }
            if (error != null) {
                log.debug("reading the history of {} failed: {}", key, error.toString());
            }
            long covered = replay.resumes()
                    ? resume(replaying.target(), key, replay.resumeAfter(), page, error)
                    : rewind(replaying.target(), rule, page);
            replaying.release(covered);
            replaying.target().flush();
        }));
    }

    /** Writes a resume's events and marker; returns the last serial the history covered. */
    private long resume(Subscriber target, ChannelKey key, long after, HistoryStore.Page page, Throwable error) {
        String name = key.name();
        if (error != null) {
            write(target, ServerFrames.resumeFailed(name, after, 0, 0, "unavailable"), 0);
            return 0;
        }
        long earliest = page.earliest();
        long latest = page.latest();
        String failure = null;
        if (latest == 0 || after > latest) {
            failure = "unknown_serial";
        } else if (after < latest && (earliest == 0 || after + 1 < earliest)) {
            failure = "expired";
        }
        if (failure != null) {
            write(target, ServerFrames.resumeFailed(name, after, earliest, latest, failure), 0);
            return latest;
        }
        for (HistoryStore.Stored e : page.events()) {
            write(target, e.frame(), e.serial());
        }
        write(target, ServerFrames.resumed(name, after, page.events().size(), latest), 0);
        return latest;
    }

    /** Writes a rewind's events (oldest first); returns the last serial the history covered. */
    private long rewind(Subscriber target, HistoryRule rule, HistoryStore.Page page) {
        if (page == null) {
            return 0;
        }
        List<HistoryStore.Stored> events = page.events();
        long since = rule.rewindSeconds() > 0 ? System.currentTimeMillis() - rule.rewindSeconds() * 1000L : 0;
        for (int i = events.size() - 1; i >= 0; i--) {
            HistoryStore.Stored e = events.get(i);
            if (e.publishedAt() >= since) {
                write(target, e.frame(), e.serial());
            }
        }
        return page.latest();
    }

    private void write(Subscriber target, byte[] frame, long serial) {
        SharedFrame shared = table.frame(frame, serial);
        try {
            target.deliver(shared);
        } finally {
            shared.release();
        }
    }

    /**
     * Publishes an application's event (REST or client event): on a history channel the broker gives
     * it a serial and stores it. Safe from any thread.
     */
    public void publishEvent(ChannelKey key, byte[] frame, String excludeSocketId) {
        HistoryRule rule = history.rule(key);
        if (rule == null) {
            publish(key, frame, excludeSocketId);
            return;
        }
        count(key);
        broker.publish(key, new Envelope(frame, excludeSocketId, 0, history.retention(key, rule)));
    }

    private void count(ChannelKey key) {
        published.increment();
        publishedByApp.computeIfAbsent(key.appId(), a -> new LongAdder()).increment();
    }

    /** Publishes a frame to every subscriber of {@code key} on every node. Safe from any thread. */
    public void publish(ChannelKey key, byte[] frame, String excludeSocketId) {
        count(key);
        broker.publish(key, new Envelope(frame, excludeSocketId));
    }

    /** Publishes an event triggered through the REST API, storing it on cache channels. */
    public void publishApiEvent(
            ChannelKey key, ChannelType type, byte[] frame, String excludeSocketId, int cacheTtlSeconds) {
        if (type.cache()) {
            broker.cache().put(key, frame, cacheTtlSeconds);
        }
        publishEvent(key, frame, excludeSocketId);
    }

    static void onLoop(EventLoop loop, Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }
}
