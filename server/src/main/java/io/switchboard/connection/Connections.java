package io.switchboard.connection;

import io.switchboard.core.Command;
import io.switchboard.core.OneOrMore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** This node's open connections, by app and by signed-in user. Safe from any thread. */
public final class Connections {
    /** Closes of a spread shutdown leave in slices this far apart at most. */
    private static final long SLICE_MILLIS = 100;

    private final Map<String, Set<PusherConnection>> byApp = new ConcurrentHashMap<>();
    /**
     * By app, then by user id (keyed by the connection's own id string, no key made per user): the
     * user's connections, as {@link OneOrMore}.
     */
    private final Map<String, Map<String, Object>> byUser = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> byTransport = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    void add(PusherConnection c) {
        byApp.computeIfAbsent(c.app().id(), a -> ConcurrentHashMap.newKeySet()).add(c);
        transportCount(c.app().id(), c.transport().kind()).incrementAndGet();
        total.incrementAndGet();
    }

    void remove(PusherConnection c) {
        Set<PusherConnection> app = byApp.get(c.app().id());
        if (app != null && app.remove(c)) {
            transportCount(c.app().id(), c.transport().kind()).decrementAndGet();
            total.decrementAndGet();
        }
        String userId = c.userId();
        if (userId != null) {
            Map<String, Object> users = byUser.get(c.app().id());
            if (users != null) {
                users.computeIfPresent(userId, (k, held) -> OneOrMore.without(held, c));
            }
        }
    }

    void signedIn(PusherConnection c, String userId) {
        byUser.computeIfAbsent(c.app().id(), a -> new ConcurrentHashMap<>())
                .compute(userId, (k, held) -> OneOrMore.with(held, c));
    }

    /** Carries out a broker command for this node's connections. */
    public void onCommand(Command command) {
        switch (command) {
            case Command.TerminateUser t -> {
                Map<String, Object> users = byUser.get(t.appId());
                Object held = users == null ? null : users.get(t.userId());
                if (held != null) {
                    for (PusherConnection c : List.copyOf(OneOrMore.<PusherConnection>elements(held))) {
                        c.closeFromAnyThread(
                                io.switchboard.protocol.ErrorCodes.UNAUTHORIZED,
                                "Connection terminated by the application");
                    }
                }
            }
            case Command.NodeReport r -> {} // for the dashboard, which the server hands it to
        }
    }

    /** Open connections of the app on this node. */
    public int count(String appId) {
        Set<PusherConnection> set = byApp.get(appId);
        return set == null ? 0 : set.size();
    }

    public int total() {
        return total.get();
    }

    /** Open connections of the app on this node using {@code transport} (a transport's kind). */
    public int count(String appId, String transport) {
        AtomicInteger n = byTransport.get(appId + ' ' + transport);
        return n == null ? 0 : n.get();
    }

    private AtomicInteger transportCount(String appId, String transport) {
        return byTransport.computeIfAbsent(appId + ' ' + transport, k -> new AtomicInteger());
    }

    /**
     * What this node's connections of an app use: transports, protocol versions and client
     * libraries (from the {@code client} and {@code version} query parameters).
     */
    public record Insight(
            int connections,
            Map<String, Integer> transports,
            Map<String, Integer> protocols,
            Map<String, Integer> clients) {}

    public Insight insight(String appId) {
        Map<String, Integer> transports = new java.util.TreeMap<>();
        Map<String, Integer> protocols = new java.util.TreeMap<>();
        Map<String, Integer> clients = new java.util.TreeMap<>();
        List<PusherConnection> list = of(appId);
        for (PusherConnection c : list) {
            transports.merge(c.transport().kind(), 1, Integer::sum);
            protocols.merge(String.valueOf(c.protocol()), 1, Integer::sum);
            String client = c.client() == null ? "unknown" : c.client();
            clients.merge(c.clientVersion() == null ? client : client + " " + c.clientVersion(), 1, Integer::sum);
        }
        return new Insight(list.size(), transports, protocols, clients);
    }

    /** A snapshot of every open connection of the app on this node. */
    public List<PusherConnection> of(String appId) {
        Set<PusherConnection> set = byApp.get(appId);
        return set == null ? List.of() : new ArrayList<>(set);
    }

    /** A snapshot of every open connection on this node. */
    public List<PusherConnection> all() {
        List<PusherConnection> out = new ArrayList<>(total.get());
        byApp.values().forEach(out::addAll);
        return out;
    }

    /**
     * Closes every connection of the app on this node with {@code code} (4003 when the app was
     * disabled or deleted); returns how many.
     */
    public int closeApp(String appId, int code, String reason) {
        List<PusherConnection> open = of(appId);
        for (PusherConnection c : open) {
            c.closeFromAnyThread(code, reason);
        }
        return open.size();
    }

    /** Closes every connection with {@code code}, e.g. 4200 on shutdown. */
    public void closeAll(int code, String reason) {
        for (PusherConnection c : all()) {
            c.closeFromAnyThread(code, reason);
        }
    }

    /**
     * Closes every connection open now with {@code code}, in equal slices spread over {@code
     * spread}, so that clients told to reconnect elsewhere do not all arrive there in the same
     * second. Blocks the calling thread for about {@code spread}; never call it on an event loop.
     */
    public void closeAllSpread(int code, String reason, Duration spread) throws InterruptedException {
        List<PusherConnection> open = all();
        long slices = Math.min(open.size(), spread.toMillis() / SLICE_MILLIS);
        if (slices <= 1) {
            closeAll(code, reason);
            return;
        }
        long start = System.nanoTime();
        int done = 0;
        for (long slice = 1; slice <= slices; slice++) {
            int until = (int) (open.size() * slice / slices);
            for (; done < until; done++) {
                open.get(done).closeFromAnyThread(code, reason);
            }
            long next = start + TimeUnit.MILLISECONDS.toNanos(slice * spread.toMillis() / slices);
            long wait = next - System.nanoTime();
            if (slice < slices && wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
    }
}
