package io.switchboard.api;

import io.switchboard.app.App;
import io.switchboard.protocol.Signatures;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Checks a REST request's signature, key, timestamp and body hash (pusher-protocol.md §7.1). */
final class RequestAuthenticator {
    static final long TIMESTAMP_WINDOW_SECONDS = 600;

    private static final Comparator<Param> BY_KEY = Comparator.comparing(Param::key);

    private RequestAuthenticator() {}

    /** Returns why the request is not authentic, or {@code null} when it is. */
    static String problem(App app, ApiRequest request, long nowSeconds) {
        Map<String, List<String>> query = request.query();
        String key = first(query, "auth_key");
        if (key == null) {
            return "Missing auth_key";
        }
        if (!Signatures.constantTimeEquals(app.key(), key)) {
            return "Unknown auth_key";
        }
        String timestamp = first(query, "auth_timestamp");
        if (timestamp == null) {
            return "Missing auth_timestamp";
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return "Invalid auth_timestamp: " + timestamp;
        }
        if (Math.abs(nowSeconds - ts) > TIMESTAMP_WINDOW_SECONDS) {
            return "Timestamp expired: Given timestamp ("
                    + ts
                    + ") not within "
                    + TIMESTAMP_WINDOW_SECONDS
                    + "s of server time ("
                    + nowSeconds
                    + ")";
        }
        String version = first(query, "auth_version");
        if (version != null && !version.equals("1.0")) {
            return "Unsupported auth_version: " + version;
        }
        if (request.body().length > 0) {
            String md5 = first(query, "body_md5");
            if (md5 == null) {
                return "Missing body_md5 for a request with a body";
            }
            if (!Signatures.constantTimeEquals(Signatures.md5Hex(request.body()), md5)) {
                return "body_md5 does not match the MD5 of the body";
            }
        }
        String signature = first(query, "auth_signature");
        if (signature == null) {
            return "Missing auth_signature";
        }
        String params = canonicalQuery(query);
        String raw = request.method() + "\n" + request.rawPath() + "\n" + params;
        String decodedPath = ApiRequest.decode(request.rawPath());
        String decoded =
                decodedPath.equals(request.rawPath()) ? null : request.method() + "\n" + decodedPath + "\n" + params;
        // During a rotation's overlap the previous secret verifies too; every one is tried.
        boolean valid = false;
        for (String secret : app.verifyingSecrets(nowSeconds * 1000)) {
            valid |= Signatures.constantTimeEquals(Signatures.hmacSha256Hex(secret, raw), signature);
            if (decoded != null) {
                valid |= Signatures.constantTimeEquals(Signatures.hmacSha256Hex(secret, decoded), signature);
            }
        }
        if (valid) {
            return null;
        }
        return "Invalid signature: you should have sent HmacSHA256Hex("
                + raw.replace("\n", "\\n")
                + ", your_secret_key), but you sent \""
                + signature
                + "\"";
    }

    /**
     * Every parameter but the signature: keys lowercased and sorted, values decoded, the values of
     * keys that are the same without case joined with {@code ,} in the order they came.
     */
    static String canonicalQuery(Map<String, List<String>> query) {
        Param[] params = new Param[query.size()];
        int n = 0;
        for (var e : query.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (!key.equals("auth_signature")) {
                params[n++] = new Param(key, e.getValue());
            }
        }
        Arrays.sort(params, 0, n, BY_KEY); // stable: equal keys keep their order
        StringBuilder out = new StringBuilder(128);
        String key = null;
        int values = 0;
        for (int i = 0; i < n; i++) {
            Param p = params[i];
            if (!p.key.equals(key)) {
                out.append(key == null ? "" : "&").append(p.key).append('=');
                key = p.key;
                values = 0;
            }
            for (String value : p.values) {
                out.append(values++ == 0 ? "" : ",").append(value);
            }
        }
        return out.toString();
    }

    private record Param(String key, List<String> values) {}

    private static String first(Map<String, List<String>> query, String key) {
        List<String> values = query.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
