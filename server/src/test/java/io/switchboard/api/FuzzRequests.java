package io.switchboard.api;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.switchboard.app.App;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestAuth;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * REST requests built from fuzz input. Most are signed as pusher-protocol.md §7.1 says (the test's
 * own signer, not the server's), so the fuzzer gets past authentication to what lies behind it.
 */
final class FuzzRequests {
    static final String[] METHODS = {"POST", "GET", "PUT", "DELETE", "HEAD", "OPTIONS", "post"};
    static final String[] PARAMS = {"info", "filter_by_prefix", "auth_key", "auth_timestamp", "body_md5", "x"};

    private FuzzRequests() {}

    /** Query parameters from the input: a known name or any, and any value. */
    static Map<String, String> params(FuzzedDataProvider data, int max) {
        Map<String, String> params = new LinkedHashMap<>();
        int n = data.consumeInt(0, max);
        for (int i = 0; i < n; i++) {
            String name = data.consumeBoolean() ? data.pickValue(PARAMS) : data.consumeString(16);
            params.put(name, data.consumeString(64));
        }
        return params;
    }

    /**
     * The query string for {@code params} signed as {@code app} at {@code timestamp}, values
     * percent-encoded, {@code auth_signature} last.
     */
    static String signedQuery(
            App app, String method, String path, Map<String, String> params, byte[] body, long timestamp) {
        Map<String, String> all = new LinkedHashMap<>(params);
        all.put("auth_key", app.key());
        all.put("auth_timestamp", Long.toString(timestamp));
        all.put("auth_version", "1.0");
        if (body.length > 0) {
            all.put("body_md5", SignedHttp.md5(body));
        }
        all.put("auth_signature", TestAuth.hmac(app.secret(), SignedHttp.stringToSign(method, path, all)));
        return query(all);
    }

    static String query(Map<String, String> params) {
        StringBuilder query = new StringBuilder();
        params.forEach((k, v) -> {
            if (!query.isEmpty()) {
                query.append('&');
            }
            query.append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return query.toString();
    }
}
