package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.pusher.rest.SignatureUtil;
import io.switchboard.app.App;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The REST authenticator on any query string, path, method, body and clock: it answers with a
 * reason or accepts, never throws; it accepts only what carries the app's key, a fresh timestamp,
 * the body's MD5 and an HMAC of the request; and it accepts every request the official server SDK
 * (pusher-http-java) signs. Inputs: {@code RequestAuthenticatorFuzzTestInputs/authenticate/}.
 */
class RequestAuthenticatorFuzzTest {
    private static final App APP = TestApps.app("fuzz");
    private static final long NOW = 1_700_000_000L;
    private static final Pattern SDK_PARAM = Pattern.compile("[a-z0-9_]{1,16}");
    private static final Set<String> RESERVED =
            Set.of("auth_key", "auth_timestamp", "auth_version", "auth_signature", "body_md5");

    static {
        // The SDK's first signing loads TLS and HTTP classes for seconds: not inside a timed input.
        SignatureUtil.uri("GET", "http", "127.0.0.1", "/", null, APP.key(), APP.secret(), Map.of());
    }

    @DictionaryEntries({
        "auth_key=fuzz-key",
        "auth_timestamp=1700000000",
        "auth_version=1.0",
        "auth_signature=",
        "body_md5=",
        "&",
        "%",
        "%2",
        "%F0%9F",
        "/apps/fuzz/events"
    })
    @FuzzTest
    void authenticate(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 2)) {
            case 0 -> anyRequest(data);
            case 1 -> signedRequest(data);
            default -> signedBySdk(data);
        }
    }

    /** Anything at all: a reason or, if accepted, a request that really is authentic. */
    private static void anyRequest(FuzzedDataProvider data) {
        String method = data.consumeBoolean() ? data.pickValue(FuzzRequests.METHODS) : data.consumeString(8);
        String path = data.consumeString(64);
        String query = data.consumeString(512);
        long now = data.consumeBoolean() ? NOW : data.consumeLong();
        byte[] body = data.consumeRemainingAsBytes();
        ApiRequest request = new ApiRequest(method, path, query, body);
        String problem = RequestAuthenticator.problem(APP, request, now);
        if (problem == null) {
            assertAuthentic(request, now);
        } else {
            assertThat(problem).isNotBlank();
        }
    }

    /** Signed by the test's signer, with fuzzed extra parameters and a fuzzed clock skew. */
    private static void signedRequest(FuzzedDataProvider data) {
        String method = data.pickValue(FuzzRequests.METHODS);
        String path = data.consumeBoolean() ? "/apps/fuzz/" + data.consumeString(32) : data.consumeString(64);
        Map<String, String> params = FuzzRequests.params(data, 4);
        long skew = data.consumeBoolean() ? data.consumeLong(-700, 700) : data.consumeLong();
        String suffix = data.consumeBoolean() ? "" : "&" + data.consumeString(64);
        byte[] body = data.consumeRemainingAsBytes();
        String query = FuzzRequests.signedQuery(APP, method, path, params, body, NOW + skew) + suffix;
        ApiRequest request = new ApiRequest(method, path, query, body);
        String problem = RequestAuthenticator.problem(APP, request, NOW);
        if (problem == null) {
            assertAuthentic(request, NOW);
        } else {
            assertThat(problem).isNotBlank();
        }
    }

    /** Whatever the official SDK signs is accepted (lowercase parameter names, as §7.1 asks). */
    private static void signedBySdk(FuzzedDataProvider data) {
        String method = data.pickValue(new String[] {"POST", "GET"});
        String path = "/apps/fuzz/" + data.pickValue(new String[] {"events", "batch_events", "channels"});
        Map<String, String> params = new LinkedHashMap<>();
        int n = data.consumeInt(0, 3);
        for (int i = 0; i < n; i++) {
            String name = data.consumeAsciiString(16);
            String value = data.consumeString(64);
            if (SDK_PARAM.matcher(name).matches()
                    && !RESERVED.contains(name)
                    && StandardCharsets.UTF_8.newEncoder().canEncode(value)) {
                params.put(name, value);
            }
        }
        String body = method.equals("POST") ? data.consumeRemainingAsString() : null;
        if (body != null && !StandardCharsets.UTF_8.newEncoder().canEncode(body)) {
            return;
        }
        long now = System.currentTimeMillis() / 1000;
        URI uri = SignatureUtil.uri(method, "http", "127.0.0.1", path, body, APP.key(), APP.secret(), params);
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        ApiRequest request = new ApiRequest(method, uri.getRawPath(), uri.getRawQuery(), bytes);

        assertThat(RequestAuthenticator.problem(APP, request, now))
                .as("%s %s?%s", method, uri.getRawPath(), uri.getRawQuery())
                .isNull();
    }

    /** What an accepted request must carry, checked with the test's own reading of §7.1. */
    private static void assertAuthentic(ApiRequest request, long now) {
        assertThat(request.param("auth_key")).isEqualTo(APP.key());
        long timestamp = Long.parseLong(request.param("auth_timestamp"));
        assertThat(Math.abs(now - timestamp)).isLessThanOrEqualTo(RequestAuthenticator.TIMESTAMP_WINDOW_SECONDS);
        if (request.body().length > 0) {
            assertThat(request.param("body_md5")).isEqualTo(SignedHttp.md5(request.body()));
        }
        Map<String, String> firstValues = new LinkedHashMap<>();
        request.query().forEach((k, v) -> firstValues.putIfAbsent(k, String.join(",", v)));
        String signature = request.param("auth_signature");
        String raw = SignedHttp.stringToSign(request.method(), request.rawPath(), firstValues);
        String decoded = SignedHttp.stringToSign(request.method(), ApiRequest.decode(request.rawPath()), firstValues);
        assertThat(signature)
                .as("signature of an accepted request")
                .isIn(
                        io.switchboard.testing.TestAuth.hmac(APP.secret(), raw),
                        io.switchboard.testing.TestAuth.hmac(APP.secret(), decoded));
    }
}
