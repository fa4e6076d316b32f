package io.switchboard.broker;

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

    /** One app's share of this node; guard every access with {@code synchronized (record)}. */
    static final class AppRecord {
        final String appId;
        /** Channel -> this node's subscriptions (presence and cache channels included). */
        final Map<String, Integer> subscriptions = new HashMap<>();
        /** Channel -> socket id -> member, for joins Redis accepted. */
        final Map<String, Map<String, Member>> presence = new HashMap<>();
        /** Channel -> socket ids whose join is on its way to Redis. */
        final Map<String, Set<String>> joining = new HashMap<>();

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
                joining.computeIfAbsent(channel, c -> new HashSet<>()).add(socketId);
            } else {
                Set<String> sockets = joining.get(channel);
                if (sockets != null && sockets.remove(socketId) && sockets.isEmpty()) {
                    joining.remove(channel);
                }
            }
        }

        void joined(String channel, String socketId, Member member) {
            presence.computeIfAbsent(channel, c -> new HashMap<>()).put(socketId, member);
        }

        void left(String channel, String socketId) {
            Map<String, Member> sockets = presence.get(channel);
            if (sockets != null && sockets.remove(socketId) != null && sockets.isEmpty()) {
                presence.remove(channel);
            }
        }

        /** Forgets everything, e.g. on shutdown. */
        void clear() {
            subscriptions.clear();
            presence.clear();
            joining.clear();
            connections = 0;
            acquiring = 0;
        }
    }
}
