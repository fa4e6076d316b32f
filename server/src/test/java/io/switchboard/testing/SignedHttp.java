package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.app.App;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * REST API requests signed exactly as pusher-protocol.md §7.1 says, sent with {@code
 * java.net.http}, for the requests the official SDK cannot send: every part of the signing can be
 * broken on purpose (key, secret, timestamp, {@code body_md5}, signature) and any method, path and
 * body can be sent. Replies expose the status, {@code Content-Type} and raw body.
 */
public final class SignedHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final int port;
    private final App app;

    private SignedHttp(int port, App app) {
        this.port = port;
        this.app = app;
    }

    /** Signs as {@code app} (its id, key and secret) against {@code server}. */
    public static SignedHttp to(TestServer server, App app) {
        return new SignedHttp(server.port(), app);
    }

    /** A POST to {@code /apps/{id}{appPath}} with a JSON body. */
    public Request post(String appPath, String body) {
        return request("POST", "/apps/" + app.id() + appPath).body(body);
    }

    /** A GET of {@code /apps/{id}{appPath}}. */
    public Request get(String appPath) {
        return request("GET", "/apps/" + app.id() + appPath);
    }

    /** Any method on any path, the path exactly as it goes on the wire. */
    public Request request(String method, String path) {
        return new Request(method, path);
    }

    /**
     * The string to sign (§7.1): {@code METHOD\npath\nquery} where the query holds every parameter
     * but {@code auth_signature}, keys lowercased and sorted, values as they are (not escaped).
     */
    public static String stringToSign(String method, String path, Map<String, String> params) {
        Map<String, String> sorted = new TreeMap<>();
        params.forEach((k, v) -> {
            String key = k.toLowerCase(Locale.ROOT);
            if (!key.equals("auth_signature")) {
                sorted.put(key, v);
            }
        });
        StringBuilder query = new StringBuilder();
        sorted.forEach((k, v) -> {
            if (!query.isEmpty()) {
                query.append('&');
            }
            query.append(k).append('=').append(v);
        });
        return method.toUpperCase(Locale.ROOT) + "\n" + path + "\n" + query;
    }

    /** Lowercase hex MD5 of {@code body}. */
    public static String md5(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One request; each setter breaks or changes one part of what the signer would do. */
    public final class Request {
        private final String method;
        private final String path;
        private final Map<String, String> params = new LinkedHashMap<>();
        private byte[] body = new byte[0];
        private String key = app.key();
        private String secret = app.secret();
        private long timestamp = System.currentTimeMillis() / 1000;
        private boolean withBodyMd5 = true;
        private String bodyMd5;
        private String signature;
        private boolean signed = true;
        private String signedPath;

        private Request(String method, String path) {
            this.method = method;
            this.path = path;
        }

        /** An extra query parameter, signed like the others. */
        public Request param(String name, String value) {
            params.put(name, value);
            return this;
        }

        public Request body(String json) {
            return body(json.getBytes(StandardCharsets.UTF_8));
        }

        public Request body(byte[] bytes) {
            body = bytes;
            return this;
        }

        /** Sends {@code auth_key} = {@code value} (signing still uses the secret). */
        public Request key(String value) {
            key = value;
            return this;
        }

        /** Signs with another secret. */
        public Request secret(String value) {
            secret = value;
            return this;
        }

        public Request timestamp(long unixSeconds) {
            timestamp = unixSeconds;
            return this;
        }

        /** Sends and signs this {@code body_md5} instead of the body's real MD5. */
        public Request bodyMd5(String value) {
            bodyMd5 = value;
            return this;
        }

        /** Leaves {@code body_md5} out even though the body is not empty. */
        public Request withoutBodyMd5() {
            withBodyMd5 = false;
            return this;
        }

        /** Sends this {@code auth_signature} instead of the right one. */
        public Request signature(String value) {
            signature = value;
            return this;
        }

        /** Signs {@code path} in place of the path that is sent, e.g. its percent-decoded form. */
        public Request signPath(String path) {
            signedPath = path;
            return this;
        }

        /** Sends only the extra parameters: no {@code auth_*} and no {@code body_md5}. */
        public Request unsigned() {
            signed = false;
            return this;
        }

        /** The query parameters that go out, {@code auth_signature} last. */
        public Map<String, String> signedParams() {
            Map<String, String> all = new LinkedHashMap<>(params);
            if (!signed) {
                return all;
            }
            all.put("auth_key", key);
            all.put("auth_timestamp", Long.toString(timestamp));
            all.put("auth_version", "1.0");
            if (withBodyMd5 && (body.length > 0 || bodyMd5 != null)) {
                all.put("body_md5", bodyMd5 != null ? bodyMd5 : md5(body));
            }
            all.put(
                    "auth_signature",
                    signature != null
                            ? signature
                            : TestAuth.hmac(secret, stringToSign(method, signedPath != null ? signedPath : path, all)));
            return all;
        }

        /** The path and the signed query, as they go on the request line. */
        public String pathAndQuery() {
            StringBuilder query = new StringBuilder();
            signedParams().forEach((k, v) -> {
                if (!query.isEmpty()) {
                    query.append('&');
                }
                query.append(encode(k)).append('=').append(encode(v));
            });
            return path + (query.isEmpty() ? "" : "?" + query);
        }

        public Reply send() {
            return send(q -> q);
        }

        /** Sends with the query string as {@code rewrite} changes it after signing (a tampered request). */
        public Reply send(java.util.function.UnaryOperator<String> rewrite) {
            String pathAndQuery = pathAndQuery();
            int q = pathAndQuery.indexOf('?');
            String sent = q < 0 ? "" : rewrite.apply(pathAndQuery.substring(q + 1));
            String uri = "http://127.0.0.1:" + port + path + (sent.isEmpty() ? "" : "?" + sent);
            HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .method(
                            method,
                            body.length == 0
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            try {
                HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                return new Reply(
                        response.statusCode(),
                        response.headers().firstValue("Content-Type").orElse(""),
                        response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A response: status, {@code Content-Type} header and body text. */
    public record Reply(int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("response body is not JSON: " + body, e);
            }
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
