package io.switchboard.protocol;

/** Pusher error and close codes (pusher-protocol.md §6). */
public final class ErrorCodes {
    public static final int SSL_ONLY = 4000;
    public static final int APP_NOT_FOUND = 4001;
    public static final int APP_DISABLED = 4003;
    public static final int OVER_CONNECTION_QUOTA = 4004;
    public static final int PATH_NOT_FOUND = 4005;
    public static final int INVALID_VERSION = 4006;
    public static final int UNSUPPORTED_PROTOCOL = 4007;
    public static final int NO_PROTOCOL = 4008;
    public static final int UNAUTHORIZED = 4009;
    public static final int OVER_CAPACITY = 4100;
    public static final int RECONNECT = 4200;
    public static final int PONG_NOT_RECEIVED = 4201;
    public static final int CLOSED_AFTER_INACTIVITY = 4202;
    public static final int CLIENT_EVENT_RATE_LIMIT = 4301;
    public static final int WATCHLIST_LIMIT = 4302;
    /** A {@code pusher:subscribe} with a {@code resume_after} that is not a serial; not closed. */
    public static final int INVALID_RESUME_AFTER = 4303;

    /** The {@code status} of a subscription_error when a presence channel is full. */
    public static final int PRESENCE_FULL_STATUS = 4100;

    private ErrorCodes() {}
}
