package io.switchboard.testing;

import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.HistoryRule;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Apps for tests: {@code TestApps.app("a")} has id a, key a-key, secret a-secret. */
public final class TestApps {
    private TestApps() {}

    /** An enabled app with client events on and default limits. */
    public static App app(String id) {
        return new App(
                id,
                id + "-key",
                id + "-secret",
                id,
                true,
                true,
                false,
                30,
                false,
                false,
                AppLimits.DEFAULTS,
                List.of());
    }

    /** Copies {@code app} with changed limits, e.g. {@code l -> limits(l).maxConnections(2)}. */
    public static App withLimits(App app, UnaryOperator<Limits> change) {
        return change(
                app, c -> c.limits = change.apply(new Limits(app.limits())).build());
    }

    /** Copies {@code app} with these webhook targets. */
    public static App withWebhooks(App app, App.Webhook... webhooks) {
        return change(app, c -> c.webhooks = List.of(webhooks));
    }

    /** A webhook target for every default event type. */
    public static App.Webhook webhook(String url) {
        return new App.Webhook(url, List.of(), "", java.util.Map.of());
    }

    /** Copies {@code app} with these history rules. */
    public static App withHistory(App app, HistoryRule... rules) {
        return app.withHistory(List.of(rules));
    }

    /** A history rule keeping {@code maxEvents} for a day, with {@code rewind} replayed to new subscribers. */
    public static HistoryRule history(String channels, int maxEvents, int rewind) {
        return new HistoryRule(channels, maxEvents, HistoryRule.DEFAULT_MAX_AGE_SECONDS, rewind, 0);
    }

    public static App withClientEvents(App app, boolean on) {
        return change(app, c -> c.clientEvents = on);
    }

    /** Copies {@code app} with {@code pusher_internal:subscription_count} events on. */
    public static App withSubscriptionCountEvents(App app) {
        return change(app, c -> c.subscriptionCountEvents = true);
    }

    public static App disabled(App app) {
        return change(app, c -> c.enabled = false);
    }

    /** Requires sign-in within {@code seconds}. */
    public static App requiringSignin(App app, int seconds) {
        return change(app, c -> {
            c.userAuthentication = true;
            c.signinTimeoutSeconds = seconds;
        });
    }

    /** {@code app} with what {@code change} sets on a mutable copy of its switches. */
    private static App change(App app, Consumer<Switches> change) {
        Switches c = new Switches(app);
        change.accept(c);
        return new App(
                        app.id(),
                        app.key(),
                        app.secret(),
                        app.name(),
                        c.enabled,
                        c.clientEvents,
                        c.userAuthentication,
                        c.signinTimeoutSeconds,
                        app.requireTls(),
                        c.subscriptionCountEvents,
                        c.limits,
                        c.webhooks)
                .withHistory(app.history());
    }

    /** What tests change on an app. */
    private static final class Switches {
        boolean enabled;
        boolean clientEvents;
        boolean userAuthentication;
        int signinTimeoutSeconds;
        boolean subscriptionCountEvents;
        AppLimits limits;
        List<App.Webhook> webhooks;

        Switches(App app) {
            enabled = app.enabled();
            clientEvents = app.clientEvents();
            userAuthentication = app.userAuthentication();
            signinTimeoutSeconds = app.signinTimeoutSeconds();
            subscriptionCountEvents = app.subscriptionCountEvents();
            limits = app.limits();
            webhooks = app.webhooks();
        }
    }

    /** A mutable copy of {@link AppLimits} for tests. */
    public static final class Limits {
        public int maxConnections;
        public int maxChannelsPerConnection;
        public int maxPresenceMembers;
        public int maxPresenceUserInfoBytes;
        public int maxUserIdLength;
        public int maxChannelNameLength;
        public int maxEventNameLength;
        public int maxPayloadBytes;
        public int maxChannelsPerEvent;
        public int maxBatchSize;
        public int clientEventsPerSecond;
        public int cacheTtlSeconds;
        public int maxWatchlistSize;
        public int restRequestsPerSecond;
        public int maxHistoryBytes;

        Limits(AppLimits l) {
            maxConnections = l.maxConnections();
            maxChannelsPerConnection = l.maxChannelsPerConnection();
            maxPresenceMembers = l.maxPresenceMembers();
            maxPresenceUserInfoBytes = l.maxPresenceUserInfoBytes();
            maxUserIdLength = l.maxUserIdLength();
            maxChannelNameLength = l.maxChannelNameLength();
            maxEventNameLength = l.maxEventNameLength();
            maxPayloadBytes = l.maxPayloadBytes();
            maxChannelsPerEvent = l.maxChannelsPerEvent();
            maxBatchSize = l.maxBatchSize();
            clientEventsPerSecond = l.clientEventsPerSecond();
            cacheTtlSeconds = l.cacheTtlSeconds();
            maxWatchlistSize = l.maxWatchlistSize();
            restRequestsPerSecond = l.restRequestsPerSecond();
            maxHistoryBytes = l.maxHistoryBytes();
        }

        AppLimits build() {
            return new AppLimits(
                    maxConnections,
                    maxChannelsPerConnection,
                    maxPresenceMembers,
                    maxPresenceUserInfoBytes,
                    maxUserIdLength,
                    maxChannelNameLength,
                    maxEventNameLength,
                    maxPayloadBytes,
                    maxChannelsPerEvent,
                    maxBatchSize,
                    clientEventsPerSecond,
                    cacheTtlSeconds,
                    maxWatchlistSize,
                    restRequestsPerSecond,
                    maxHistoryBytes);
        }
    }
}
