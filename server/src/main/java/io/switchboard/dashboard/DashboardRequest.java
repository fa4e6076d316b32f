package io.switchboard.dashboard;

import java.util.Map;

/**
 * An HTTP request to the dashboard, independent of the HTTP stack.
 *
 * @param path the decoded-as-sent path without the query, e.g. {@code /dashboard/api/overview}
 * @param query the raw query string without {@code ?}; empty when none
 * @param headers header values by lower-case name (the first of repeated ones)
 * @param body the raw body; empty when none
 */
public record DashboardRequest(String method, String path, String query, Map<String, String> headers, byte[] body) {

    /** A header by its lower-case name, or {@code null}. */
    String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
