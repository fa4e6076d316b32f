package io.switchboard.metrics;

import java.util.Locale;

/**
 * Why a limit refused or closed something: the {@code reason} of {@code
 * switchboard_limit_rejections_total}, named after the setting that sets the limit
 * (docs/configuration.md), so the reason says what to look at or raise.
 */
public enum Limit {
    // apps[].limits
    /** A new connection over the app's quota: 4004. */
    MAX_CONNECTIONS,
    /** A subscription beyond the channels one connection may hold. */
    MAX_CHANNELS_PER_CONNECTION,
    /** A new user on a full presence channel. */
    MAX_PRESENCE_MEMBERS,
    MAX_PRESENCE_USER_INFO_BYTES,
    /** A presence subscription or a sign-in with a user id too long. */
    MAX_USER_ID_LENGTH,
    /** A subscription or a REST request naming a channel too long. */
    MAX_CHANNEL_NAME_LENGTH,
    /** A client event or a REST event with a name too long. */
    MAX_EVENT_NAME_LENGTH,
    /** A client event or a REST event (413) with data too large. */
    MAX_PAYLOAD_BYTES,
    MAX_CHANNELS_PER_EVENT,
    MAX_BATCH_SIZE,
    /** A client event over the connection's rate: 4301, the connection stays open. */
    CLIENT_EVENTS_PER_SECOND,
    /** A sign-in with more watched ids than are watched: 4302. */
    MAX_WATCHLIST_SIZE,
    /** A REST request over the app's rate: 429. */
    REST_REQUESTS_PER_SECOND,

    // server
    /** A client above the write high-water mark for {@code slow_consumer_timeout}: 4100. */
    SLOW_CONSUMER_TIMEOUT,
    /** A client with more than four times the high-water mark queued: 4100 at once. */
    WRITE_BUFFER_HIGH_WATER_MARK,
    /** A WebSocket that took nothing of what was sent to it for {@code stalled_reader_timeout}: 4100. */
    STALLED_READER_TIMEOUT,
    /** A WebSocket message larger than {@code max_frame_bytes}: 1009. */
    MAX_FRAME_BYTES,
    /** An HTTP request body larger than {@code max_request_body_bytes}: 413. */
    MAX_REQUEST_BODY_BYTES,
    /** An HTTP request not complete within {@code request_timeout}: closed (408 if it had started). */
    REQUEST_TIMEOUT,
    /** A keep-alive HTTP connection idle for {@code idle_timeout}: closed. */
    IDLE_TIMEOUT,
    /** A new HTTP fallback session from an address holding the most already. */
    MAX_FALLBACK_SESSIONS_PER_ADDRESS;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The value of the {@code reason} label. */
    String label() {
        return label;
    }
}
