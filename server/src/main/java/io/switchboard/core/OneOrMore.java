package io.switchboard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A concurrent map's value that is one element, or an immutable {@code Set} of several, replaced
 * whole under the map's per-key lock. Most keys of such maps (a user's connections, a user's
 * sign-ins) hold one element, which then costs only its map entry, where a concurrent set per key
 * costs hundreds of bytes (bench/RESULTS.md, memory per idle connection). Elements are never sets
 * themselves; null stands for none.
 */
public final class OneOrMore {
    private OneOrMore() {}

    /** {@code held} with {@code element} added. */
    public static Object with(Object held, Object element) {
        if (held == null || held.equals(element)) {
            return element;
        }
        Set<Object> set = elements(held);
        if (set.contains(element)) {
            return held;
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
        Set<Object> set = elements(held);
        if (!set.contains(element)) {
            return held;
        }
        List<Object> rest = new ArrayList<>(set);
        rest.remove(element);
        return rest.size() == 1 ? rest.get(0) : Set.copyOf(rest);
    }

    /** What {@code held} holds, as an immutable set. */
    @SuppressWarnings("unchecked")
    public static <T> Set<T> elements(Object held) {
        if (held == null) {
            return Set.of();
        }
        return held instanceof Set<?> set ? (Set<T>) set : Set.of((T) held);
    }
}
