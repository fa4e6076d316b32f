package io.switchboard.dashboard;

import java.util.Map;
import java.util.function.Consumer;

/** What the dashboard answers: a complete response, or a stream of server-sent events. */
public sealed interface DashboardResponse {

    /**
     * A complete response.
     *
     * @param headers extra headers (e.g. {@code Location}, {@code Set-Cookie}); the transport adds
     *     the security headers every dashboard response carries
     */
    record Full(int status, String contentType, byte[] body, Map<String, String> headers)
            implements DashboardResponse {}

    /**
     * A {@code text/event-stream} response: the transport writes the head, then hands the open
     * stream to {@code start}; if it cannot (the client left), it calls {@code cancel}.
     */
    record Events(Consumer<EventStream> start, Runnable cancel) implements DashboardResponse {}
}
