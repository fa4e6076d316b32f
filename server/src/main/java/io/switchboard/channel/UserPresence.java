package io.switchboard.channel;

import io.switchboard.broker.Broker;
import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.protocol.ServerFrames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which signed-in users are online, and watchlists (pusher-protocol.md §4.4). A user is online while
 * at least one connection is signed in as them, cluster-wide: the broker's presence store keeps
 * each signed-in connection ({@link PresenceStore#signIn}). Watchers subscribe, through the ordinary
 * fan-out, to an internal per-user channel on which the online/offline transitions are published.
 * Internal names contain ':' so no client can subscribe to them.
 */
public final class UserPresence {
    private static final Logger log = LoggerFactory.getLogger("switchboard.channel");
    private static final String WATCH_PREFIX = "#watch:";

    private final Broker broker;
    private final ChannelTable table;

    UserPresence(Broker broker, ChannelTable table) {
        this.broker = broker;
        this.table = table;
    }

    private static ChannelKey watchKey(String appId, String userId) {
        return new ChannelKey(appId, WATCH_PREFIX + userId);
    }

    /** A connection signed in as {@code userId}; tells watchers when the user comes online. */
    public void signedIn(String appId, String userId, String socketId) {
        broker.presence().signIn(appId, userId, socketId).whenComplete((first, error) -> {
            if (error != null) {
                log.warn("recording {} online failed: {}", userId, error.toString());
            } else if (first) {
                publish(appId, userId, "online");
            }
        });
    }

    /** A signed-in connection closed; tells watchers when it was the user's last. */
    public void signedOut(String appId, String userId, String socketId) {
        broker.presence().signOut(appId, userId, socketId).whenComplete((last, error) -> {
            if (error == null && last) {
                publish(appId, userId, "offline");
            }
        });
    }

    /**
     * The broker removed the last reference of {@code userId} under {@code channel} itself: its
     * connections were on a node that died, or left while Redis was unreachable. When {@code
     * channel} is a user's online key, tells the user's watchers that it went offline.
     *
     * @return whether {@code channel} was an online key: an internal name, not a channel anyone
     *     else may be told about
     */
    boolean reaped(ChannelKey channel, String userId) {
        if (!channel.name().startsWith(PresenceStore.ONLINE_PREFIX)) {
            return false;
        }
        publish(channel.appId(), userId, "offline");
        return true;
    }

    /**
     * Subscribes {@code watcher} to the users' transitions and sends it their current status
     * through {@code initial} (on the watcher's loop). Called on the watcher's loop.
     *
     * @return the watcher's places, to pass to {@link #unwatch}
     */
    public List<ChannelTable.Slot> watch(
            String appId, List<String> userIds, Subscriber watcher, Consumer<byte[]> initial) {
        List<ChannelTable.Slot> slots = new ArrayList<>(userIds.size());
        List<CompletableFuture<Integer>> counts = new ArrayList<>(userIds.size());
        for (String id : userIds) {
            slots.add(table.add(watchKey(appId, id), watcher));
            counts.add(broker.presence().online(appId, id).toCompletableFuture());
        }
        CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
            if (error != null) {
                log.warn("reading watched users' status failed: {}", error.toString());
                return;
            }
            List<String> online = new ArrayList<>();
            List<String> offline = new ArrayList<>();
            for (int i = 0; i < userIds.size(); i++) {
                (counts.get(i).join() > 0 ? online : offline).add(userIds.get(i));
            }
            Channels.onLoop(watcher.eventLoop(), () -> initial.accept(ServerFrames.watchlistEvents(online, offline)));
        });
        return slots;
    }

    /** Ends a watch started by {@link #watch}. Called on the watcher's loop. */
    public void unwatch(List<ChannelTable.Slot> slots) {
        slots.forEach(table::remove);
    }

    private void publish(String appId, String userId, String transition) {
        List<String> user = List.of(userId);
        byte[] frame = transition.equals("online")
                ? ServerFrames.watchlistEvents(user, List.of())
                : ServerFrames.watchlistEvents(List.of(), user);
        broker.publish(watchKey(appId, userId), new io.switchboard.core.Envelope(frame, null));
    }
}
