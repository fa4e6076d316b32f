package io.switchboard.debug;

import java.util.List;

/**
 * Something that happened in an app, for its debug console. Made only while someone watches the
 * app ({@link DebugTap}), from values the code at hand already has: nothing is formatted or copied
 * where it happens. Never carries a secret: callers pass webhook URLs without user-info or query,
 * and no signature or header value.
 */
public sealed interface DebugEvent {
    String appId();

    /** When it happened, in epoch milliseconds. */
    long atMillis();

    /** A connection was admitted and told {@code connection_established}. */
    record ConnectionOpened(
            String appId, long atMillis, String socketId, String transport, int protocol, String client, String version)
            implements DebugEvent {}

    /**
     * A connection ended.
     *
     * @param code the close code (a Pusher 4xxx code, a WebSocket code from the client, or 1006
     *     when the connection dropped without one)
     */
    record ConnectionClosed(String appId, long atMillis, String socketId, String transport, int code, String reason)
            implements DebugEvent {}

    record Subscribed(String appId, long atMillis, String socketId, String channel) implements DebugEvent {}

    record Unsubscribed(String appId, long atMillis, String socketId, String channel) implements DebugEvent {}

    /** A subscription was refused: {@code pusher:subscription_error} with this type and status. */
    record SubscriptionFailed(
            String appId, long atMillis, String socketId, String channel, String type, int status, String message)
            implements DebugEvent {}

    /** A channel became occupied or vacant, cluster-wide (reported by the node that decided it). */
    record ChannelChanged(String appId, long atMillis, String channel, boolean occupied) implements DebugEvent {}

    /** A presence member's first connection joined, or its last one left. */
    record MemberChanged(String appId, long atMillis, String channel, String userId, boolean added)
            implements DebugEvent {}

    /**
     * An event published through the REST API (or the dashboard's event creator).
     *
     * @param excludedSocketId the {@code socket_id} the publisher excluded, or {@code null}
     */
    record ApiMessage(
            String appId, long atMillis, List<String> channels, String event, String data, String excludedSocketId)
            implements DebugEvent {}

    /** A client event relayed to the other subscribers of its channel. */
    record ClientEvent(
            String appId, long atMillis, String channel, String event, String data, String socketId, String userId)
            implements DebugEvent {}

    /**
     * One try of a webhook batch.
     *
     * @param url the target as logs show it: no user-info, no query
     * @param outcome {@code delivered}, {@code retrying} or {@code failed}
     * @param status the receiver's HTTP status, or 0 when it did not answer
     * @param problem why the try failed, or {@code null}
     * @param body the batch's JSON body, summarised when formatted
     */
    record WebhookTry(
            String appId,
            long atMillis,
            String url,
            String outcome,
            int attempt,
            int status,
            String problem,
            String body)
            implements DebugEvent {}

    /**
     * A {@code pusher:error} sent to a connection without closing it.
     *
     * @param code the Pusher code, or 0 for none
     */
    record ConnectionError(String appId, long atMillis, String socketId, int code, String message)
            implements DebugEvent {}

    /**
     * A REST request of the app answered with an error.
     *
     * @param body the JSON answer ({@code {"error": "..."}})
     */
    record ApiError(String appId, long atMillis, String method, String path, int status, byte[] body)
            implements DebugEvent {}
}
