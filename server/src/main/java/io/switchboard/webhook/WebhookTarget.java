package io.switchboard.webhook;

import io.switchboard.app.App;
import java.net.URI;
import java.util.List;
import java.util.Set;

/** One configured webhook receiver of one app, with its filters. */
record WebhookTarget(App app, App.Webhook webhook) {

    /** What a target receives when it lists no event types: everything but subscription_count. */
    static final Set<String> DEFAULT_EVENTS = Set.of(
            "channel_occupied", "channel_vacated", "member_added", "member_removed", "client_event", "cache_miss");

    /** Identifies the target across restarts: app id and URL. */
    String key() {
        return app.id() + " " + webhook.url();
    }

    /** How logs name the target: its app and its URL without credentials or query. */
    String describe() {
        return describe(key());
    }

    /** {@link #describe()} from a {@link #key()}. */
    static String describe(String key) {
        int space = key.indexOf(' ');
        return "app " + key.substring(0, space) + " " + loggableUrl(key.substring(space + 1));
    }

    /**
     * The URL as logs show it: scheme, host, port and path. The user-info and the query are left
     * out because receivers commonly take credentials there ({@code https://user:pass@…}, {@code
     * ?token=…}); so is the fragment.
     */
    static String loggableUrl(String url) {
        try {
            URI uri = URI.create(url);
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath());
        } catch (IllegalArgumentException e) {
            return "(a URL that does not parse)";
        }
    }

    /**
     * {@code text} (e.g. an error message) with the target's URL shown as {@link #loggableUrl}, and
     * its user-info and query left out wherever they appear alone.
     */
    String redact(String text) {
        String url = webhook.url();
        String out = text.replace(url, loggableUrl(url));
        try {
            URI uri = URI.create(url);
            for (String secret : new String[] {uri.getRawUserInfo(), uri.getRawQuery()}) {
                if (secret != null && !secret.isEmpty()) {
                    out = out.replace(secret, "…");
                }
            }
            return out;
        } catch (IllegalArgumentException e) {
            return out;
        }
    }

    boolean wants(WebhookEvent event) {
        List<String> types = webhook.eventTypes();
        boolean typeOk = types.isEmpty() ? DEFAULT_EVENTS.contains(event.name()) : types.contains(event.name());
        String prefix = webhook.channelPrefix();
        return typeOk && (prefix == null || prefix.isEmpty() || event.channel().startsWith(prefix));
    }
}
