package io.switchboard.webhook;

import io.switchboard.app.App;
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

    boolean wants(WebhookEvent event) {
        List<String> types = webhook.eventTypes();
        boolean typeOk = types.isEmpty() ? DEFAULT_EVENTS.contains(event.name()) : types.contains(event.name());
        String prefix = webhook.channelPrefix();
        return typeOk && (prefix == null || prefix.isEmpty() || event.channel().startsWith(prefix));
    }
}
