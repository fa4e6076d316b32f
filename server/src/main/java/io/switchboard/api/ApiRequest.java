package io.switchboard.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A decoded REST request, independent of the HTTP stack. Its query is decoded once, when first
 * asked for (authentication reads several parameters of it).
 */
public final class ApiRequest {
    private final String method;
    private final String rawPath;
    private final String rawQuery;
    private final byte[] body;
    private Map<String, List<String>> query;

    /**
     * @param method upper case, e.g. {@code POST}
     * @param rawPath the path exactly as sent, without the query
     * @param rawQuery the query string as sent, without {@code ?}; empty when none
     * @param body the raw body bytes; empty when none
     */
    public ApiRequest(String method, String rawPath, String rawQuery, byte[] body) {
        this.method = method;
        this.rawPath = rawPath;
        this.rawQuery = rawQuery;
        this.body = body;
    }

    public String method() {
        return method;
    }

    public String rawPath() {
        return rawPath;
    }

    public String rawQuery() {
        return rawQuery;
    }

    public byte[] body() {
        return body;
    }

    /** Query parameters, keys as sent, values URL-decoded, repeated keys in order. */
    public Map<String, List<String>> query() {
        if (query == null) {
            query = Collections.unmodifiableMap(decodeQuery(rawQuery));
        }
        return query;
    }

    private static Map<String, List<String>> decodeQuery(String rawQuery) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        int n = rawQuery.length();
        int at = 0;
        while (at < n) {
            int amp = rawQuery.indexOf('&', at);
            if (amp < 0) {
                amp = n;
            }
            if (amp > at) {
                int eq = rawQuery.indexOf('=', at);
                boolean hasValue = eq >= 0 && eq < amp;
                String key = decode(rawQuery.substring(at, hasValue ? eq : amp));
                String value = hasValue ? decode(rawQuery.substring(eq + 1, amp)) : "";
                List<String> values = out.get(key);
                if (values == null) {
                    out.put(key, List.of(value)); // most keys come once
                } else {
                    if (!(values instanceof ArrayList)) {
                        values = new ArrayList<>(values);
                        out.put(key, values);
                    }
                    values.add(value);
                }
            }
            at = amp + 1;
        }
        return out;
    }

    /**
     * A query parameter given more than once (keys compared as the signature compares them, without
     * case), or {@code null}. No SDK repeats a key, and the signature joins repeated values with
     * {@code ,}, so {@code a=1&a=2} would sign like {@code a=1,2}: such requests are refused.
     */
    public String repeatedKey() {
        // Keys differ as sent; only a key with a capital can repeat another without case.
        if (!allLowerCase(query().keySet())) {
            Set<String> seen = new HashSet<>();
            for (String key : query().keySet()) {
                if (!seen.add(key.toLowerCase(Locale.ROOT))) {
                    return key;
                }
            }
        }
        for (var e : query().entrySet()) {
            if (e.getValue().size() > 1) {
                return e.getKey();
            }
        }
        return null;
    }

    private static boolean allLowerCase(Set<String> keys) {
        for (String key : keys) {
            if (!key.toLowerCase(Locale.ROOT).equals(key)) {
                return false;
            }
        }
        return true;
    }

    /** The first value of a query parameter, or {@code null}. */
    public String param(String name) {
        List<String> values = query().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s; // nothing encoded: most keys and values the SDKs send
        }
        try {
            return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
