package io.switchboard.dashboard;

/**
 * One open server-sent-events response, as the console sees it; the transport implements it. Every
 * method is safe from any thread.
 */
public interface EventStream {

    /**
     * Sends {@code text} (one or more complete events, each ending with a blank line) and flushes.
     * Returns false, sending nothing, when the client has more unread than the high-water mark: a
     * viewer that does not read loses events instead of making the server buffer them.
     */
    boolean send(String text);

    /** Whether the client reads what it is sent (its unread data is under the high-water mark). */
    boolean writable();

    /** Ends the response after what was sent. Idempotent. */
    void end();

    /** Runs {@code whenEnded} once the stream has ended, however it ended (at once if it has). */
    void onEnd(Runnable whenEnded);
}
