package io.switchboard.channel;

import io.switchboard.app.App;
import io.switchboard.app.HistoryRule;
import io.switchboard.app.HistoryRules;
import io.switchboard.broker.ChannelKey;
import io.switchboard.broker.Retention;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Which channels keep history, per app: the app's rules with each channel's answer remembered, made
 * again when the app's rules change. Channels no rule names cost one map lookup to publish.
 */
public final class History {
    /** No app keeps history. */
    static final History NONE = new History(appId -> null);

    private final Function<String, App> apps;
    private final Map<String, HistoryRules> byApp = new ConcurrentHashMap<>();

    /** @param apps the current app of an id, {@code null} when unknown */
    public History(Function<String, App> apps) {
        this.apps = apps;
    }

    /** The rule of {@code channel}, or {@code null} when it keeps no history. */
    public HistoryRule rule(ChannelKey channel) {
        App app = apps.apply(channel.appId());
        if (app == null || app.history().isEmpty()) {
            return null;
        }
        HistoryRules rules = byApp.get(app.id());
        if (rules == null || rules.rules() != app.history()) {
            rules = new HistoryRules(app.history());
            byApp.put(app.id(), rules);
        }
        return rules.rule(channel.name());
    }

    /** How the broker keeps a channel's events under {@code rule}. */
    public Retention retention(ChannelKey channel, HistoryRule rule) {
        App app = apps.apply(channel.appId());
        long appBytes = app == null ? Long.MAX_VALUE : app.limits().maxHistoryBytes();
        return new Retention(rule.maxEvents(), rule.maxAgeMs(), appBytes);
    }
}
