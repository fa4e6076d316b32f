package io.switchboard.app;

/**
 * Per-app limits. A value of 0 or less for {@code maxConnections} means unlimited.
 *
 * @param maxConnections concurrent connections; over it new connections get 4004
 * @param maxChannelsPerConnection subscriptions one connection may hold
 * @param maxPresenceMembers distinct users per presence channel
 * @param maxPresenceUserInfoBytes size of one member's {@code user_info}
 * @param maxUserIdLength length of a presence or signed-in user id
 * @param maxChannelNameLength channel name length, prefix included
 * @param maxEventNameLength event name length
 * @param maxPayloadBytes size of an event's {@code data}
 * @param maxChannelsPerEvent channels one REST trigger may target
 * @param maxBatchSize events in one {@code batch_events} call
 * @param clientEventsPerSecond client events one connection may send per second
 * @param cacheTtlSeconds how long a cache channel keeps its last event
 * @param maxWatchlistSize user ids a signed-in user may watch
 * @param restRequestsPerSecond REST API requests per second for the app (bursts of one second
 *     allowed); 0 means unlimited; over it requests get 429
 * @param maxHistoryBytes what the app's channel histories may hold in the memory broker, frames
 *     counted; over it the app's oldest events are dropped first
 */
public record AppLimits(
        int maxConnections,
        int maxChannelsPerConnection,
        int maxPresenceMembers,
        int maxPresenceUserInfoBytes,
        int maxUserIdLength,
        int maxChannelNameLength,
        int maxEventNameLength,
        int maxPayloadBytes,
        int maxChannelsPerEvent,
        int maxBatchSize,
        int clientEventsPerSecond,
        int cacheTtlSeconds,
        int maxWatchlistSize,
        int restRequestsPerSecond,
        int maxHistoryBytes) {

    public static final AppLimits DEFAULTS =
            new AppLimits(0, 100, 100, 1024, 128, 200, 200, 10 * 1024, 100, 10, 10, 1800, 100, 0, 64 << 20);
}
