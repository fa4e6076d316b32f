package io.switchboard.app;

import java.util.List;
import java.util.Map;

/**
 * One tenant: its credentials, switches and limits. Immutable.
 *
 * @param clientEvents whether subscribers may send {@code client-} events
 * @param userAuthentication whether every connection must sign in within {@code signinTimeout}
 * @param requireTls whether plain {@code ws://} connections are refused with 4000
 * @param subscriptionCountEvents whether subscribers of non-presence channels are sent {@code
 *     pusher_internal:subscription_count} when the channel's subscription count changes
 */
public record App(
        String id,
        String key,
        String secret,
        String name,
        boolean enabled,
        boolean clientEvents,
        boolean userAuthentication,
        int signinTimeoutSeconds,
        boolean requireTls,
        boolean subscriptionCountEvents,
        AppLimits limits,
        List<Webhook> webhooks) {

    public App {
        webhooks = List.copyOf(webhooks);
    }

    /**
     * A webhook target.
     *
     * @param eventTypes the event names sent to it; empty means all
     * @param channelPrefix only events on channels with this prefix; {@code null} or empty for all
     */
    public record Webhook(String url, List<String> eventTypes, String channelPrefix, Map<String, String> headers) {
        public Webhook {
            eventTypes = List.copyOf(eventTypes);
            headers = Map.copyOf(headers);
        }
    }
}
