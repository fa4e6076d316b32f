package io.switchboard.channel;

import io.netty.channel.EventLoop;
import io.switchboard.app.HistoryRule;
import io.switchboard.broker.Broker;
import io.switchboard.broker.CountStore;
import io.switchboard.broker.HistoryStore;
import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Command;
import io.switchboard.core.Envelope;
import io.switchboard.core.Member;
import io.switchboard.debug.DebugTap;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ServerFrames;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
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
    private final ClusterState cluster;
    private final ChannelTable table;
    private final UserPresence users;
    private final ChannelObserver observer;
    private final SubscriptionCountEvents countEvents;
    private final LongAdder published = new LongAdder();
    private final Map<String, LongAdder> publishedByApp = new ConcurrentHashMap<>();
    private final DebugTap debug;
    private final List<Consumer<Command>> commandHandlers = new CopyOnWriteArrayList<>();
    private volatile InternalRoute internal;
    private final History history;
    private final long maxHeldBytes;

    /** What a subscriber being replayed may hold of live events unless told otherwise: 1 MiB. */
    public static final long DEFAULT_MAX_HELD_BYTES = 1 << 20;

    /** Channels of apps without history. */
    public Channels(
            Broker broker,
            ClusterState cluster,
            List<EventLoop> loops,
            SharedFrame.Framing framing,
            ChannelObserver observer,
            Predicate<String> countEventsEnabled,
            DebugTap debug) {
        this(
                broker,
                cluster,
                loops,
                framing,
                observer,
                countEventsEnabled,
                debug,
                History.NONE,
                DEFAULT_MAX_HELD_BYTES);
    }

    /**
     * @param loops the event loops subscribers live on; the first also runs the subscription count
     *     events' timers
     * @param framing frames an event once for every WebSocket subscriber (the transport's format)
     * @param countEventsEnabled whether an app (by id) sends {@code pusher_internal:subscription_count}
     * @param debug where occupied, vacated and member changes are reported for the debug console
     * @param history which channels keep history
     * @param maxHeldBytes what a subscriber being replayed may hold of live events meanwhile; over it
     *     the connection is closed with 4100, like a slow consumer
     */
    public Channels(
            Broker broker,
            ClusterState cluster,
            List<EventLoop> loops,
            SharedFrame.Framing framing,
            ChannelObserver observer,
            Predicate<String> countEventsEnabled,
            DebugTap debug,
            History history,
            long maxHeldBytes) {
        this.history = history;
        this.maxHeldBytes = maxHeldBytes;
        this.broker = broker;
        this.cluster = cluster;
        this.debug = debug;
        this.observer = observer;
        this.table = new ChannelTable(loops, framing, new ChannelTable.InterestListener() {
            @Override
            public void firstLocalSubscriber(ChannelKey channel) {
                broker.subscribe(channel);
            }

            @Override
            public void lastLocalSubscriberGone(ChannelKey channel) {
                broker.unsubscribe(channel);
            }
        });
        this.users = new UserPresence(broker, table);
        this.countEvents = new SubscriptionCountEvents(
                broker, loops.get(0), countEventsEnabled, (key, frame) -> publish(key, frame, null));
    }

    /** Receives events on internal channels (never a client's) instead of the fan-out. */
    private record InternalRoute(Predicate<ChannelKey> carries, BiConsumer<ChannelKey, Envelope> receiver) {}

    /**
     * Events published on channels {@code carries} claims go to {@code receiver} (on a broker
     * thread) instead of to subscribers: internal channels between nodes, such as the debug
     * console's. One route; set it before {@link #start}.
     */
    public void routeInternal(Predicate<ChannelKey> carries, BiConsumer<ChannelKey, Envelope> receiver) {
        internal = new InternalRoute(carries, receiver);
    }

    /** Runs {@code handler} (on a broker thread) for every command any node broadcasts. */
    public void onCommand(Consumer<Command> handler) {
        commandHandlers.add(handler);
    }

    /** Starts receiving from the broker: events to subscribers, commands to their handlers. */
    public void start() {
        broker.start(new Broker.Listener() {
            @Override
            public void onEvent(ChannelKey channel, Envelope envelope) {
                InternalRoute route = internal;
                if (route != null && route.carries().test(channel)) {
                    route.receiver().accept(channel, envelope);
                } else {
                    table.deliver(channel, envelope);
                }
            }

            @Override
            public void onCommand(Command command) {
                for (Consumer<Command> handler : commandHandlers) {
                    handler.accept(command);
                }
            }

            @Override
            public void memberReaped(ChannelKey channel, String userId) {
                if (!users.reaped(channel, userId)) {
                    observer.memberRemoved(channel, userId, false);
                }
            }

            @Override
            public void channelReaped(ChannelKey channel) {
                observer.channelVacated(channel, false);
            }
        });
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

    /** Frames written to this node's subscribers by fan-out since start. */
    public long delivered() {
        return table.delivered();
    }

    /** Frames of one app written to this node's subscribers since start. */
    public long delivered(String appId) {
        return table.delivered(appId);
    }

    /** What the whole cluster knows: counts, members, cache, quotas. */
    public ClusterState cluster() {
        return cluster;
    }

    /** Signed-in users and watchlists. */
    public UserPresence users() {
        return users;
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
     * What a subscriber of a history channel asks of its past: a resume, else the rule's rewind, if
     * any, else nothing but the serial it starts after.
     *
     * @param rule the channel's history rule
     * @param resumeAfter the last serial the client saw ({@code resume_after}), or -1 when it does not
     *     resume
     * @param overflow runs (on the subscriber's loop) when more live events arrive during the replay
     *     than may be held
     */
    public record Replay(HistoryRule rule, long resumeAfter, Runnable overflow) {
        public boolean resumes() {
            return resumeAfter >= 0;
        }
    }

    /**
     * The history read made for a subscriber of a history channel once it was in the table (and,
     * with Redis, this node's subscription to the channel confirmed).
     *
     * @param page what was read; {@code null} when the read failed
     */
    record HistoryRead(HistoryStore.Page page, Throwable error) {
        boolean failed() {
            return page == null;
        }
    }

    /**
     * What a subscribe produced.
     *
     * @param subscription the new subscription, or {@code null} when refused
     * @param members presence members after joining (presence channels only)
     * @param cached the cache channel's last event, or {@code null}
     * @param failed refused because the cluster-wide stores did not answer (not a full channel)
     * @param history the history read, on a history channel; {@code null} elsewhere
     */
    public record Subscribed(
            Subscription subscription, List<Member> members, byte[] cached, boolean failed, HistoryRead history) {
        public Subscribed(Subscription subscription, List<Member> members, byte[] cached) {
            this(subscription, members, cached, false, null);
        }

        public boolean refused() {
            return subscription == null;
        }

        /**
         * The channel's latest serial when the subscriber joined: every later event reaches it, live or
         * replayed, and no earlier one does live (0 when the channel never had an event); -1 when the
         * channel keeps no history or its history could not be read.
         */
        public long serial() {
            return history == null || history.failed() ? -1 : history.page().latest();
        }

        Subscribed withHistory(HistoryRead read) {
            return new Subscribed(subscription, members, cached, failed, read);
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
     * is given (a history channel): once the subscriber is in the table and this node receives the
     * channel, the history is read ({@link Subscribed#serial} is the latest serial it saw); after
     * writing its success frame the caller calls {@link #replay}, which writes the past events asked
     * for and then the held ones, with no gap and no duplicate between them.
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
                        done.accept(new Subscribed(null, List.of(), null, true, null));
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
                                        if (sub.cancelled()) {
                                            return;
                                        }
                                        if (replay == null) {
                                            done.accept(result);
                                        } else {
                                            readHistory(key, replay)
                                                    .whenComplete((page, readError) -> onLoop(loop, () -> {
                                                        if (!sub.cancelled()) {
                                                            done.accept(result.withHistory(read(key, page, readError)));
                                                        }
                                                    }));
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
     * What a subscriber of a history channel reads once it is in the table: the events after its
     * {@code resume_after}, the rule's rewind, or (neither) only the channel's bounds. One broker read
     * per subscribe to a history channel; other channels read nothing.
     */
    private CompletionStage<HistoryStore.Page> readHistory(ChannelKey key, Replay replay) {
        HistoryRule rule = replay.rule();
        if (replay.resumes()) {
            return historyAfter(key, rule, replay.resumeAfter(), rule.maxEvents());
        }
        if (rule.rewinds()) {
            return historyBefore(key, rule, Long.MAX_VALUE, rule.rewind() > 0 ? rule.rewind() : rule.maxEvents());
        }
        return historyBefore(key, rule, Long.MAX_VALUE, 0);
    }

    private static HistoryRead read(ChannelKey key, HistoryStore.Page page, Throwable error) {
        if (error != null) {
            log.debug("reading the history of {} failed: {}", key, error.toString());
            return new HistoryRead(null, error);
        }
        return new HistoryRead(page, null);
    }

    /**
     * Sends a subscription's past events (it was made with a {@link Replay}), after its success frame:
     * the events the history read holds, then on resume the marker ({@code switchboard:resumed} or
     * {@code switchboard:resume_failed}), then the live events held meanwhile that came after the
     * history read, then live events as they come. Called on the subscriber's event loop.
     */
    public void replay(Subscription sub, Replay replay, Subscribed subscribed) {
        if (sub.replaying() == null || !sub.active() || subscribed.history() == null) {
            return;
        }
        HistoryReplay.run(sub, replay, subscribed.history(), table);
    }

    /**
     * Publishes an application's event (REST or client event): on a history channel the broker gives
     * it a serial and stores it. Safe from any thread.
     */
    public CompletionStage<Void> publishEvent(ChannelKey key, byte[] frame, String excludeSocketId) {
        HistoryRule rule = history.rule(key);
        if (rule == null) {
            return publish(key, frame, excludeSocketId);
        }
        count(key);
        return broker.publish(key, new Envelope(frame, excludeSocketId, 0, history.retention(key, rule)));
    }

    private void count(ChannelKey key) {
        published.increment();
        publishedByApp.computeIfAbsent(key.appId(), a -> new LongAdder()).increment();
    }

    /**
     * Publishes a frame to every subscriber of {@code key} on every node. Safe from any thread.
     *
     * @return completes once the event is settled ({@link Broker#publish}); never fails
     */
    public CompletionStage<Void> publish(ChannelKey key, byte[] frame, String excludeSocketId) {
        count(key);
        return broker.publish(key, new Envelope(frame, excludeSocketId));
    }

    /** Publishes a client event from {@code socketId} and reports it to the observer (webhooks). */
    public void publishClientEvent(
            ChannelKey key, byte[] frame, String socketId, String event, String data, String userId) {
        publishEvent(key, frame, socketId);
        observer.clientEvent(key, event, data, socketId, userId);
    }

    /** Closes every connection of the user on every node (4009). */
    public void terminateUser(String appId, String userId) {
        broker.broadcast(new Command.TerminateUser(appId, userId));
    }

    /**
     * Publishes an event triggered through the REST API, storing it on cache channels.
     *
     * @return completes once the event is settled ({@link Broker#publish}): the REST answer waits
     *     for it, so an event triggered after the answer, through any node, comes after this one
     */
    public CompletionStage<Void> publishApiEvent(
            ChannelKey key, ChannelType type, byte[] frame, String excludeSocketId, int cacheTtlSeconds) {
        if (type.cache()) {
            broker.cache().put(key, frame, cacheTtlSeconds);
        }
        return publishEvent(key, frame, excludeSocketId);
    }

    static void onLoop(EventLoop loop, Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }
}
