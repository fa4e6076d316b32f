package io.switchboard.broker.redis;

import io.switchboard.core.Member;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * This node's own record of what it registered in Redis: its subscriptions per channel, its
 * presence connections and its open connections per app. Redis may lose its data (a restart
 * without persistence) or miss updates sent while it was unreachable; the record lets the node put
 * its share back exactly ({@link RedisScripts#RECONCILE}).
 *
 * <p>Each app's record has its own lock. A change is recorded and its Redis command sent while
 * holding the lock, so commands reach Redis (one connection per app slot) in the order of the
 * record, and a snapshot taken under the lock matches every command sent before it.
 */
final class NodeLedger {
    private final Map<String, AppRecord> apps = new ConcurrentHashMap<>();
    private final Consumer<String> firstUse;

    /** @param firstUse called once per app, before its first change is sent */
    NodeLedger(Consumer<String> firstUse) {
        this.firstUse = firstUse;
    }

    AppRecord app(String appId) {
        AppRecord record = apps.get(appId);
        if (record != null) {
            return record;
        }
        boolean[] created = new boolean[1];
        record = apps.computeIfAbsent(appId, id -> {
            created[0] = true;
            return new AppRecord(id);
        });
        if (created[0]) {
            firstUse.accept(appId);
        }
        return record;
    }

    /** The app's record, or {@code null} when this node never touched the app. */
    AppRecord existing(String appId) {
        return apps.get(appId);
    }

    List<String> appIds() {
        return new ArrayList<>(apps.keySet());
    }

    /** Whether a departure is waiting to be settled ({@link AppRecord#departed}) in any app. */
    boolean departuresPlaced() {
        for (AppRecord record : apps.values()) {
            synchronized (record) {
                for (var sockets : record.departed.values()) {
                    for (Departure d : sockets.values()) {
                        if (d.placed) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /** Redis lost its data: no departure is in Redis any more, each must be put back first. */
    void departuresLost() {
        for (AppRecord record : apps.values()) {
            synchronized (record) {
                record.departed.values().forEach(sockets -> sockets.values().forEach(d -> d.placed = false));
            }
        }
    }

    /**
     * A connection that left while Redis may not have been told, so nobody has been told it left.
     * It stays in Redis (put back if Redis lost it) until every node has had time to put its own
     * connections back, then it is removed like any other: whoever removes a user's last
     * connection reports the user gone, exactly once, whatever Redis came back with.
     */
    static final class Departure {
        final String channel;
        final String socketId;
        final Member member;
        /** Whether Redis holds it (a reconcile that wanted it succeeded since Redis last lost data). */
        boolean placed;

        Departure(String channel, String socketId, Member member) {
            this.channel = channel;
            this.socketId = socketId;
            this.member = member;
        }
    }

    /** One app's share of this node; guard every access with {@code synchronized (record)}. */
    static final class AppRecord {
        final String appId;
        /** Channel -> this node's subscriptions (presence and cache channels included). */
        final Map<String, Integer> subscriptions = new HashMap<>();
        /** Channel -> socket id -> member, for joins Redis accepted. */
        final Map<String, Map<String, Member>> presence = new HashMap<>();
        /** Channel -> socket ids whose join is on its way to Redis. */
        final Map<String, Set<String>> joining = new HashMap<>();
        /** Channel -> socket ids whose leave is on its way to Redis. */
        final Map<String, Set<String>> leaving = new HashMap<>();
        /** Channel -> socket -> connections that left while Redis did not answer. */
        final Map<String, Map<String, Departure>> departed = new HashMap<>();
        /**
         * Channel -> socket ids of joins refused because Redis did not answer in time: Redis may
         * still have run them, and must drop them without anyone being told.
         */
        final Map<String, Set<String>> abandoned = new HashMap<>();

        int connections;
        int acquiring;

        AppRecord(String appId) {
            this.appId = appId;
        }

        void subscribed(String channel, int delta) {
            int n = subscriptions.getOrDefault(channel, 0) + delta;
            if (n > 0) {
                subscriptions.put(channel, n);
            } else {
                subscriptions.remove(channel);
            }
        }

        void joining(String channel, String socketId, boolean inFlight) {
            if (inFlight) {
                add(joining, channel, socketId);
            } else {
                remove(joining, channel, socketId);
            }
        }

        /** Redis accepted the join of {@code socketId}. */
        void joined(String channel, String socketId, Member member) {
            removeDeparture(channel, socketId); // the same connection is back: its entry is live again
            remove(abandoned, channel, socketId);
            if (!contains(leaving, channel, socketId)) { // unless it left while the join travelled
                presence.computeIfAbsent(channel, c -> new HashMap<>()).put(socketId, member);
            }
        }

        /** The join of {@code socketId} failed: Redis may or may not have run it. */
        void joinAbandoned(String channel, String socketId) {
            add(abandoned, channel, socketId);
        }

        /**
         * {@code socketId} leaves; its leave is about to be sent.
         *
         * @return the member it was, {@code null} when it never joined (nobody was told of it)
         */
        Member leaving(String channel, String socketId, String userId) {
            Map<String, Member> sockets = presence.get(channel);
            Member member = sockets == null ? null : sockets.remove(socketId);
            if (sockets != null && sockets.isEmpty()) {
                presence.remove(channel);
            }
            if (member == null && contains(joining, channel, socketId)) {
                member = new Member(userId, null);
            }
            if (member != null) {
                add(leaving, channel, socketId);
            }
            return member;
        }

        /**
         * The leave of {@code socketId} was answered.
         *
         * @param unsure the member when Redis did not answer (it may or may not have run the leave,
         *     and nobody was told), else {@code null}
         */
        void left(String channel, String socketId, Member unsure) {
            remove(leaving, channel, socketId);
            if (unsure != null && !contains(abandoned, channel, socketId)) {
                departed.computeIfAbsent(channel, c -> new HashMap<>())
                        .put(socketId, new Departure(channel, socketId, unsure));
            }
        }

        private void removeDeparture(String channel, String socketId) {
            Map<String, Departure> sockets = departed.get(channel);
            if (sockets != null && sockets.remove(socketId) != null && sockets.isEmpty()) {
                departed.remove(channel);
            }
        }

        /**
         * A reconcile succeeded that put {@code placed} into Redis, removed {@code settled} and
         * dropped the abandoned joins {@code dropped} ({channel, socket id} pairs).
         */
        void reconciled(List<Departure> placed, List<Departure> settled, List<String[]> dropped) {
            placed.forEach(d -> d.placed = true);
            for (Departure d : settled) {
                Map<String, Departure> sockets = departed.get(d.channel);
                if (sockets != null && sockets.get(d.socketId) == d) {
                    removeDeparture(d.channel, d.socketId);
                }
            }
            dropped.forEach(at -> remove(abandoned, at[0], at[1]));
        }

        /**
         * A reconcile that was to remove {@code settled} failed: it may have run, so they must be put
         * back before they are settled again.
         */
        void reconcileFailed(List<Departure> settled) {
            settled.forEach(d -> d.placed = false);
        }

        /** Forgets everything but the abandoned joins (Redis may still hold them), e.g. on shutdown. */
        void clear() {
            subscriptions.clear();
            presence.clear();
            joining.clear();
            leaving.clear();
            departed.clear();
            connections = 0;
            acquiring = 0;
        }

        private static void add(Map<String, Set<String>> map, String channel, String socketId) {
            map.computeIfAbsent(channel, c -> new HashSet<>()).add(socketId);
        }

        private static void remove(Map<String, Set<String>> map, String channel, String socketId) {
            Set<String> sockets = map.get(channel);
            if (sockets != null && sockets.remove(socketId) && sockets.isEmpty()) {
                map.remove(channel);
            }
        }

        private static boolean contains(Map<String, Set<String>> map, String channel, String socketId) {
            Set<String> sockets = map.get(channel);
            return sockets != null && sockets.contains(socketId);
        }
    }
}
