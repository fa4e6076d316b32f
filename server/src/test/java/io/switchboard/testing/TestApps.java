package io.switchboard.testing;

import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import java.util.List;
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
        return copy(
                app,
                app.clientEvents(),
                app.userAuthentication(),
                app.enabled(),
                change.apply(new Limits(app.limits())).build());
    }

    /** Copies {@code app} with these webhook targets. */
    public static App withWebhooks(App a, App.Webhook... webhooks) {
        return new App(
                a.id(),
                a.key(),
                a.secret(),
                a.name(),
                a.enabled(),
                a.clientEvents(),
                a.userAuthentication(),
                a.signinTimeoutSeconds(),
                a.requireTls(),
                a.subscriptionCountEvents(),
                a.limits(),
                List.of(webhooks));
    }

    /** A webhook target for every default event type. */
    public static App.Webhook webhook(String url) {
        return new App.Webhook(url, List.of(), "", java.util.Map.of());
    }

    public static App withClientEvents(App app, boolean on) {
        return copy(app, on, app.userAuthentication(), app.enabled(), app.limits());
    }

    /** Copies {@code app} with {@code pusher_internal:subscription_count} events on. */
    public static App withSubscriptionCountEvents(App a) {
        return new App(
                a.id(),
                a.key(),
                a.secret(),
                a.name(),
                a.enabled(),
                a.clientEvents(),
                a.userAuthentication(),
                a.signinTimeoutSeconds(),
                a.requireTls(),
                true,
                a.limits(),
                a.webhooks());
    }

    public static App disabled(App app) {
        return copy(app, app.clientEvents(), app.userAuthentication(), false, app.limits());
    }

    /** Requires sign-in within {@code seconds}. */
    public static App requiringSignin(App app, int seconds) {
        return new App(
                app.id(),
                app.key(),
                app.secret(),
                app.name(),
                app.enabled(),
                app.clientEvents(),
                true,
                seconds,
                app.requireTls(),
                app.subscriptionCountEvents(),
                app.limits(),
                app.webhooks());
    }

    private static App copy(App a, boolean clientEvents, boolean userAuth, boolean enabled, AppLimits limits) {
        return new App(
                a.id(),
                a.key(),
                a.secret(),
                a.name(),
                enabled,
                clientEvents,
                userAuth,
                a.signinTimeoutSeconds(),
                a.requireTls(),
                a.subscriptionCountEvents(),
                limits,
                a.webhooks());
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
                    restRequestsPerSecond);
        }
    }
}
