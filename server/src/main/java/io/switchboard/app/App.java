package io.switchboard.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One tenant: its credentials, switches and limits. Immutable.
 *
 * @param secret signs REST requests, channel authorizations, sign-ins and webhooks
 * @param clientEvents whether subscribers may send {@code client-} events
 * @param userAuthentication whether every connection must sign in within {@code signinTimeout}
 * @param requireTls whether plain {@code ws://} connections are refused with 4000
 * @param subscriptionCountEvents whether subscribers of non-presence channels are sent {@code
 *     pusher_internal:subscription_count} when the channel's subscription count changes
 * @param websocketCompression whether WebSocket clients that offer permessage-deflate (RFC 7692)
 *     get it, with {@code server_no_context_takeover} so an event is compressed once for all of them
 * @param previousSecrets secrets replaced by a rotation that still verify until they expire; never
 *     used to sign
 * @param history which channels keep their events, first match wins ({@code history} in the
 *     configuration); empty for none
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
        boolean websocketCompression,
        AppLimits limits,
        List<Webhook> webhooks,
        List<PreviousSecret> previousSecrets,
        List<HistoryRule> history) {

    public App {
        webhooks = List.copyOf(webhooks);
        previousSecrets = previousSecrets == null ? List.of() : List.copyOf(previousSecrets);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** This app with other history rules. */
    public App withHistory(List<HistoryRule> rules) {
        return new App(
                id,
                key,
                secret,
                name,
                enabled,
                clientEvents,
                userAuthentication,
                signinTimeoutSeconds,
                requireTls,
                subscriptionCountEvents,
                websocketCompression,
                limits,
                webhooks,
                previousSecrets,
                rules);
    }

    /** This app signing with {@code newSecret}, with {@code previous} still verifying. */
    public App withSecrets(String newSecret, List<PreviousSecret> previous) {
        return new App(
                id,
                key,
                newSecret,
                name,
                enabled,
                clientEvents,
                userAuthentication,
                signinTimeoutSeconds,
                requireTls,
                subscriptionCountEvents,
                websocketCompression,
                limits,
                webhooks,
                previous,
                history);
    }

    /** An app without compression, previous secrets or history rules. */
    public App(
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
        this(
                id,
                key,
                secret,
                name,
                enabled,
                clientEvents,
                userAuthentication,
                signinTimeoutSeconds,
                requireTls,
                subscriptionCountEvents,
                false,
                limits,
                webhooks,
                List.of(),
                List.of());
    }

    /**
     * The secrets a signature may be made with at {@code nowMillis}: the current one first, then the
     * previous ones that have not expired. Signatures this server makes (webhooks) always use {@link
     * #secret}.
     */
    public List<String> verifyingSecrets(long nowMillis) {
        if (previousSecrets.isEmpty()) {
            return List.of(secret);
        }
        List<String> out = new ArrayList<>(1 + previousSecrets.size());
        out.add(secret);
        for (PreviousSecret p : previousSecrets) {
            if (p.verifiesAt(nowMillis)) {
                out.add(p.secret());
            }
        }
        return out;
    }

    /**
     * A secret replaced by a rotation: requests, channel authorizations and sign-ins signed with it
     * are accepted until {@code expiresAtMillis}, so backends can move to the new secret without a
     * moment where either is refused.
     */
    public record PreviousSecret(String secret, long expiresAtMillis) {
        public boolean verifiesAt(long nowMillis) {
            return nowMillis < expiresAtMillis;
        }
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
