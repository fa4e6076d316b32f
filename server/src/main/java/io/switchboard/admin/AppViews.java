package io.switchboard.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.HistoryRule;
import java.time.Instant;

/** What the admin API shows of an app. Never its secrets: those are shown once, when made. */
final class AppViews {
    private AppViews() {}

    static ObjectNode app(App app) {
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("id", app.id());
        out.put("key", app.key());
        out.put("name", app.name());
        out.put("enabled", app.enabled());
        out.put("client_events", app.clientEvents());
        out.put("user_authentication", app.userAuthentication());
        out.put("signin_timeout_seconds", app.signinTimeoutSeconds());
        out.put("require_tls", app.requireTls());
        out.put("subscription_count_events", app.subscriptionCountEvents());
        out.set("limits", limits(app.limits()));
        ArrayNode hooks = out.putArray("webhooks");
        for (App.Webhook w : app.webhooks()) {
            ObjectNode hook = hooks.addObject();
            hook.put("url", w.url());
            ArrayNode types = hook.putArray("event_types");
            w.eventTypes().forEach(types::add);
            hook.put("channel_prefix", w.channelPrefix() == null ? "" : w.channelPrefix());
            ObjectNode headers = hook.putObject("headers");
            w.headers().forEach(headers::put);
        }
        ArrayNode history = out.putArray("history");
        for (HistoryRule r : app.history()) {
            history.addObject()
                    .put("channels", r.channels())
                    .put("max_events", r.maxEvents())
                    .put("max_age_seconds", r.maxAgeSeconds())
                    .put("rewind", r.rewind())
                    .put("rewind_seconds", r.rewindSeconds());
        }
        ArrayNode previous = out.putArray("previous_secrets");
        long now = System.currentTimeMillis();
        for (App.PreviousSecret p : app.previousSecrets()) {
            if (p.verifiesAt(now)) {
                previous.addObject()
                        .put(
                                "expires_at",
                                Instant.ofEpochMilli(p.expiresAtMillis()).toString());
            }
        }
        return out;
    }

    static ObjectNode limits(AppLimits l) {
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("max_connections", l.maxConnections());
        out.put("max_channels_per_connection", l.maxChannelsPerConnection());
        out.put("max_presence_members", l.maxPresenceMembers());
        out.put("max_presence_user_info_bytes", l.maxPresenceUserInfoBytes());
        out.put("max_user_id_length", l.maxUserIdLength());
        out.put("max_channel_name_length", l.maxChannelNameLength());
        out.put("max_event_name_length", l.maxEventNameLength());
        out.put("max_payload_bytes", l.maxPayloadBytes());
        out.put("max_channels_per_event", l.maxChannelsPerEvent());
        out.put("max_batch_size", l.maxBatchSize());
        out.put("client_events_per_second", l.clientEventsPerSecond());
        out.put("cache_ttl_seconds", l.cacheTtlSeconds());
        out.put("max_watchlist_size", l.maxWatchlistSize());
        out.put("rest_requests_per_second", l.restRequestsPerSecond());
        out.put("max_history_bytes", l.maxHistoryBytes());
        return out;
    }
}
