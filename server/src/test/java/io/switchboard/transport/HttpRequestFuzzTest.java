package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.switchboard.app.App;
import io.switchboard.connection.Connections;
import io.switchboard.testing.ErrorLog;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.NettyLeaks;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * HTTP requests from fuzz input against a real server on loopback, through the request reader,
 * the router, the REST API and HTTP fallback sessions: an {@code xhr} session whose {@code
 * xhr_send} carries fuzzed messages, a signed REST request, or any method, path, headers and body.
 *
 * <p>Fails on a 5xx answer, on a request left without an answer (bar the few a server must wait
 * on), on anything logged at ERROR or warned by Netty, on any change to a second app's connections or anything reaching its subscribed client, on
 * a server that stops answering, and on a Netty leak report. Inputs: {@code
 * HttpRequestFuzzTestInputs/request/}.
 */
class HttpRequestFuzzTest {
    private static final App FUZZ = TestApps.app("fuzz");
    private static final App BYSTANDER = TestApps.app("bystander");
    private static final String[] EVENTS = {
        "pusher:subscribe", "pusher:unsubscribe", "pusher:ping", "pusher:signin", "client-event", "other"
    };
    private static final String[] RESOURCES = {
        "events", "batch_events", "channels", "channels/news", "channels/presence-room/users", "connections"
    };
    private static final String[] METHODS = {"GET", "POST", "OPTIONS", "PUT", "DELETE", "HEAD"};
    private static final String[] PATHS = {
        "/", "/health", "/ready", "/metrics", "/app/fuzz-key", "/apps/fuzz/events", "/pusher/app/fuzz-key/1/s/xhr"
    };
    private static final String[] HEADERS = {
        "Content-Type", "Connection", "Upgrade", "Origin", "Expect", "Sec-WebSocket-Version", "Sec-WebSocket-Key"
    };

    private static TestServer server;
    private static RawWebSocket bystander;
    private static Connections.Insight before;
    private static int inputs;

    @BeforeAll
    static void start() {
        NettyLeaks.track();
        server = TestServer.start(
                s -> s.change(c -> {
                    c.fallbackDisconnectDelay = 1;
                    c.maxFallbackSessionsPerAddress = 0;
                }),
                FUZZ,
                BYSTANDER);
        bystander = server.raw(BYSTANDER);
        bystander.established();
        bystander.subscribe("news");
        before = server.server().connections().insight(BYSTANDER.id());
        ErrorLog.watch();
    }

    @AfterAll
    static void stop() {
        bystander.close();
        server.close();
        NettyLeaks.assertNone();
    }

    @DictionaryEntries({"pusher:subscribe", "client-", "presence-", "private-", "/xhr_send", "/app/", "/apps/"})
    @FuzzTest
    void request(FuzzedDataProvider data) {
        // Jazzer's request-forgery detector refuses connections unless they are allowed.
        SilentCloseable loopback = BugDetectors.allowNetworkConnections((host, port) -> port == server.port());
        try {
            switch (data.consumeInt(0, 2)) {
                case 0 -> fallbackSession(data);
                case 1 -> restRequest(data);
                default -> anyRequest(data);
            }
            if (++inputs % 64 == 0) {
                assertThat(server.httpStatus("/"))
                        .as("the server still answers")
                        .isEqualTo(200);
            }
        } finally {
            loopback.close();
        }
        bystander.expectSilence(Duration.ofMillis(1));
        assertThat(server.server().connections().insight(BYSTANDER.id()))
                .as("the other app's connections")
                .isEqualTo(before);
        ErrorLog.assertNone();
        NettyLeaks.assertNoneAfterInput();
    }

    /** Opens an xhr_polling session and sends it fuzzed messages through xhr_send. */
    private static void fallbackSession(FuzzedDataProvider data) {
        try (FallbackClient client = FallbackClient.polling(server.port(), FUZZ.key())) {
            client.established();
            int status;
            if (data.consumeBoolean()) {
                String[] messages = new String[data.consumeInt(1, 3)];
                for (int i = 0; i < messages.length; i++) {
                    messages[i] = data.consumeBoolean()
                            ? FuzzedClientMessages.message(data, EVENTS)
                            : data.consumeString(128);
                }
                status = client.send(messages);
            } else {
                try (RawHttp send = RawHttp.request(
                        server.port(),
                        "POST",
                        client.base() + "/xhr_send",
                        Map.of("Content-Type", "application/json"),
                        data.consumeRemainingAsBytes())) {
                    status = send.status();
                }
            }
            assertThat(status).as("xhr_send status").isIn(204, 400);
        }
    }

    /** A REST request signed with the fuzzed app's credentials, at the current time. */
    private static void restRequest(FuzzedDataProvider data) {
        String method = data.consumeBoolean() ? "POST" : "GET";
        String app = data.consumeInt(0, 5) > 0 ? FUZZ.id() : BYSTANDER.id();
        String path = "/apps/" + app + "/"
                + (data.consumeBoolean() ? data.pickValue(RESOURCES) : encode(data.consumeString(32)));
        Map<String, String> params = new LinkedHashMap<>();
        if (data.consumeBoolean()) {
            params.put("info", data.consumeString(32));
        }
        byte[] body = data.consumeRemainingAsBytes();
        params.put("auth_key", FUZZ.key());
        params.put("auth_timestamp", Long.toString(System.currentTimeMillis() / 1000));
        params.put("auth_version", "1.0");
        if (body.length > 0) {
            params.put("body_md5", SignedHttp.md5(body));
        }
        params.put("auth_signature", TestAuth.hmac(FUZZ.secret(), SignedHttp.stringToSign(method, path, params)));
        StringBuilder query = new StringBuilder();
        params.forEach((k, v) ->
                query.append(query.isEmpty() ? "" : "&").append(k).append('=').append(encode(v)));
        try (RawHttp reply = RawHttp.request(
                server.port(), method, path + "?" + query, Map.of("Content-Type", "application/json"), body)) {
            int status = reply.status();
            assertThat(status).as("status of %s %s", method, path).isBetween(200, 499);
            if (!app.equals(FUZZ.id())) {
                assertThat(status).as("status of %s %s", method, path).isEqualTo(401);
            }
        }
    }

    /** Any method, path, headers and body; the request line and headers stay one line each. */
    private static void anyRequest(FuzzedDataProvider data) {
        String method = data.consumeBoolean() ? data.pickValue(METHODS) : oneLine(data.consumeAsciiString(8));
        String path = data.consumeBoolean()
                ? data.pickValue(PATHS) + oneLine(data.consumeAsciiString(64))
                : oneLine(data.consumeString(96));
        Map<String, String> headers = new LinkedHashMap<>();
        int n = data.consumeInt(0, 3);
        for (int i = 0; i < n; i++) {
            headers.put(data.pickValue(HEADERS), oneLine(data.consumeString(48)));
        }
        byte[] body = data.consumeBoolean() ? null : data.consumeRemainingAsBytes();
        try (RawHttp reply = RawHttp.request(server.port(), method, path, headers, body)) {
            int status = reply.status();
            assertThat(status).as("status of %s %s %s", method, path, headers).isBetween(100, 499);
        } catch (UncheckedIOException e) {
            // The server may close a connection whose request it cannot read at all.
        } catch (AssertionError e) {
            // Netty's codec waits for the rest of a request that announced more (Expect, Upgrade).
            if (!String.valueOf(e.getMessage()).startsWith("no response within")) {
                throw e;
            }
        }
    }

    private static String oneLine(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
