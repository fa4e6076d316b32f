package io.switchboard.dashboard;

/**
 * One dashboard login: its cookie value is known only to the browser (the table keeps a hash), its
 * CSRF token is in every page it is shown and must come back with each change.
 */
final class Session {
    final String csrfToken;
    private final long expiresAtNanos;
    private volatile boolean ended;

    Session(String csrfToken, long expiresAtNanos) {
        this.csrfToken = csrfToken;
        this.expiresAtNanos = expiresAtNanos;
    }

    boolean valid(long nowNanos) {
        return !ended && nowNanos - expiresAtNanos < 0;
    }

    void end() {
        ended = true;
    }
}
