package io.switchboard.transport;

import java.util.List;
import java.util.Map;

/**
 * What a connecting client says about itself in the query of its first request, the same for a
 * WebSocket and an HTTP fallback session: {@code protocol} (checked), {@code client} and {@code
 * version} (for insight only; interned, since a few values repeat across every connection).
 */
record ClientQuery(String protocol, String client, String version) {

    static ClientQuery of(Map<String, List<String>> query) {
        return new ClientQuery(
                first(query, "protocol"), shared(first(query, "client")), shared(first(query, "version")));
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String shared(String value) {
        return value == null ? null : value.intern();
    }
}
