package io.switchboard.app;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the history rule of a channel, first match wins, remembering the answer per channel name:
 * the publish path pays one map lookup. Rebuilt when an app's rules change (a new {@link App}
 * snapshot with another list). Thread-safe.
 */
public final class HistoryRules {
    /** Names remembered before the memory is cleared; bounds it under any number of channels. */
    private static final int REMEMBERED = 10_000;

    private static final HistoryRule NONE = new HistoryRule("", 0, 0, 0, 0);

    private final List<HistoryRule> rules;
    private final Map<String, HistoryRule> byName = new ConcurrentHashMap<>();

    public HistoryRules(List<HistoryRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The rules this was built from. */
    public List<HistoryRule> rules() {
        return rules;
    }

    /** The first rule naming {@code channel}, or {@code null} when none does. */
    public HistoryRule rule(String channel) {
        if (rules.isEmpty()) {
            return null;
        }
        HistoryRule known = byName.get(channel);
        if (known == null) {
            known = NONE;
            for (HistoryRule r : rules) {
                if (r.matches(channel)) {
                    known = r;
                    break;
                }
            }
            if (byName.size() >= REMEMBERED) {
                byName.clear();
            }
            byName.put(channel, known);
        }
        return known == NONE ? null : known;
    }
}
