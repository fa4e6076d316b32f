package io.switchboard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A concurrent map's value that is one element, or a set of several, changed only under the map's
 * per-key lock. Most keys of such maps (a user's connections, a user's sign-ins) hold one element,
 * which then costs only its map entry, where a concurrent set per key costs hundreds of bytes
 * (bench/RESULTS.md, memory per idle connection). A few elements are an immutable set replaced
 * whole; past {@link #COPIED_UP_TO} they move to a concurrent set changed in place, so that a key
 * with thousands of elements (one user on many connections) costs no copy per change. Elements
 * are never sets themselves; null stands for none.
 */
public final class OneOrMore {
    /** The most elements kept in an immutable set, copied on every change. */
    static final int COPIED_UP_TO = 8;

    private OneOrMore() {}

    /** {@code held} with {@code element} added. */
    public static Object with(Object held, Object element) {
        if (held == null || held.equals(element)) {
            return element;
        }
        if (held instanceof ConcurrentHashMap.KeySetView<?, ?> many) {
            @SuppressWarnings("unchecked")
            Set<Object> set = (Set<Object>) many;
            set.add(element);
            return held;
        }
        Set<Object> set = elements(held);
        if (set.contains(element)) {
            return held;
        }
        if (set.size() >= COPIED_UP_TO) {
            Set<Object> many = ConcurrentHashMap.newKeySet(set.size() * 2);
            many.addAll(set);
            many.add(element);
            return many;
        }
        List<Object> all = new ArrayList<>(set.size() + 1);
        all.addAll(set);
        all.add(element);
        return Set.copyOf(all);
    }

    /** {@code held} without {@code element}: null when none is left. */
    public static Object without(Object held, Object element) {
        if (held == null || held.equals(element)) {
            return null;
        }
        if (held instanceof ConcurrentHashMap.KeySetView<?, ?> many) {
            many.remove(element);
            return many.isEmpty() ? null : held;
        }
        Set<Object> set = elements(held);
        if (!set.contains(element)) {
            return held;
        }
        List<Object> rest = new ArrayList<>(set);
        rest.remove(element);
        return rest.size() == 1 ? rest.get(0) : Set.copyOf(rest);
    }

    /**
     * What {@code held} holds, as a set: immutable, or for many elements the live concurrent set,
     * whose iteration is safe while it changes.
     */
    @SuppressWarnings("unchecked")
    public static <T> Set<T> elements(Object held) {
        if (held == null) {
            return Set.of();
        }
        return held instanceof Set<?> set ? (Set<T>) set : Set.of((T) held);
    }
}
