package io.switchboard.connection;

import io.switchboard.channel.Subscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A connection's subscriptions by channel name. Most connections hold one: it is kept in a field,
 * and a map is made only for a second (bench/RESULTS.md, memory per idle connection). Touched on
 * the connection's loop only.
 */
final class Subscriptions {
    /** The only subscription, or null when there is none or {@link #many} holds them. */
    private Subscription one;

    private Map<String, Subscription> many;

    Subscription get(String channel) {
        if (many != null) {
            return many.get(channel);
        }
        return one != null && one.channel().name().equals(channel) ? one : null;
    }

    boolean contains(String channel) {
        return get(channel) != null;
    }

    int size() {
        return many != null ? many.size() : one != null ? 1 : 0;
    }

    /** Adds {@code sub} under its channel's name, replacing a subscription to the same channel. */
    void put(Subscription sub) {
        String channel = sub.channel().name();
        if (many != null) {
            many.put(channel, sub);
        } else if (one == null || one.channel().name().equals(channel)) {
            one = sub;
        } else {
            many = new HashMap<>(4);
            many.put(one.channel().name(), one);
            many.put(channel, sub);
            one = null;
        }
    }

    /** Removes and returns the subscription to {@code channel}, or null. */
    Subscription remove(String channel) {
        if (many != null) {
            return many.remove(channel);
        }
        Subscription sub = get(channel);
        if (sub != null) {
            one = null;
        }
        return sub;
    }

    /** Removes and returns them all. */
    List<Subscription> removeAll() {
        List<Subscription> all;
        if (many != null) {
            all = new ArrayList<>(many.values());
        } else {
            all = one == null ? List.of() : List.of(one);
        }
        one = null;
        many = null;
        return all;
    }
}
