package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.testing.NettyLeaks;
import io.switchboard.testing.TestApps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any REST request to one app, mostly signed so it gets past authentication, against a {@link
 * RestApi} with real collaborators and real connections of two apps:
 *
 * <ul>
 *   <li>the answer is 200 or a 4xx with a JSON {@code error}, never an exception or a 5xx;
 *   <li>a request naming another app is refused (signed with the wrong app's credentials);
 *   <li>the other app's connections, channels, counts, members, cache, request count and clients
 *       are exactly as before, and its clients received nothing;
 *   <li>every fan-out buffer is released once the event loop is done with the request, and Netty's
 *       paranoid leak detector reports nothing.
 * </ul>
 *
 * Inputs: {@code RestApiFuzzTestInputs/request/}.
 */
class RestApiFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> REFUSALS = Set.of(400, 401, 403, 404, 405, 413, 429);
    private static final String[] INFO = {"user_count", "subscription_count", "user_count,subscription_count", "cache"};

    private static RestFuzzFixture fixture;
    private static RestFuzzFixture.TenantState before;

    @BeforeAll
    static void start() {
        NettyLeaks.track();
        fixture = new RestFuzzFixture(TestApps.app("fuzz"), TestApps.app("bystander"));
        before = fixture.bystanderState();
        assertThat(fixture.heldFrameBytes())
                .as("fan-out bytes held after joining")
                .isZero();
    }

    @AfterAll
    static void stop() {
        fixture.close();
        NettyLeaks.assertNone();
    }

    @DictionaryEntries({
        "/apps/fuzz/",
        "events",
        "batch_events",
        "channels",
        "/users",
        "terminate_connections",
        "presence-",
        "private-",
        "cache-",
        "private-encrypted-",
        "#server-to-user-",
        "%2F",
        "%00"
    })
    @FuzzTest
    void request(FuzzedDataProvider data) throws Exception {
        ApiRequest request = build(data);
        long held = fixture.heldFrameBytes();
        ApiResponse response =
                fixture.api.handle(request).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        fixture.settle();

        String what = request.method() + " " + request.rawPath() + "?" + request.rawQuery();
        assertThat(response.status()).as("status of %s", what).isIn(200, 400, 401, 403, 404, 405, 413, 429);
        JsonNode body = json(response.body());
        assertThat(body.isObject()).as("body of %s", what).isTrue();
        if (REFUSALS.contains(response.status())) {
            assertThat(body.path("error").isTextual()).as("error of %s", what).isTrue();
        }
        String[] parts = request.rawPath().split("/", -1);
        if (!ApiRequest.decode(parts[2]).equals(fixture.fuzz.id())) {
            assertThat(response.status()).as("status of %s", what).isIn(401, 404);
        }
        assertThat(fixture.bystanderState()).as("the other app after %s", what).isEqualTo(before);
        assertThat(fixture.heldFrameBytes() - held)
                .as("fan-out bytes still held after %s", what)
                .isZero();
        NettyLeaks.assertNoneAfterInput();
        fixture.reconnectFuzzClients();
    }

    private static ApiRequest build(FuzzedDataProvider data) {
        String method = data.consumeInt(0, 3) > 0
                ? (data.consumeBoolean() ? "POST" : "GET")
                : data.pickValue(FuzzRequests.METHODS);
        String appId = switch (data.consumeInt(0, 9)) {
            case 0 -> fixture.bystander.id();
            case 1 -> data.consumeString(12);
            default -> fixture.fuzz.id();
        };
        String channel = data.consumeBoolean() ? data.pickValue(RestFuzzFixture.CHANNELS) : data.consumeString(24);
        String resource = switch (data.consumeInt(0, 7)) {
            case 0 -> "events";
            case 1 -> "batch_events";
            case 2 -> "channels";
            case 3 -> "channels/" + channel;
            case 4 -> "channels/" + channel + "/users";
            case 5 -> "connections";
            case 6 ->
                "users/"
                        + (data.consumeBoolean() ? data.pickValue(RestFuzzFixture.USERS) : data.consumeString(12))
                        + "/terminate_connections";
            default -> data.consumeString(48);
        };
        // The router hands over the path before any '?'.
        String path = ("/apps/" + appId + "/" + resource).replace("?", "%3F");
        Map<String, String> params = FuzzRequests.params(data, 3);
        if (data.consumeBoolean()) {
            params.put("info", data.pickValue(INFO));
        }
        boolean signed = data.consumeInt(0, 9) > 0;
        byte[] body = switch (data.consumeInt(0, 2)) {
            case 0 -> event(data).toString().getBytes(StandardCharsets.UTF_8);
            case 1 -> batch(data).toString().getBytes(StandardCharsets.UTF_8);
            default -> data.consumeRemainingAsBytes();
        };
        String query = signed
                ? FuzzRequests.signedQuery(fixture.fuzz, method, path, params, body, RestFuzzFixture.NOW)
                : FuzzRequests.query(params);
        return new ApiRequest(method, path, query, body);
    }

    /** An event body with fuzzed fields, so that most reach validation and publishing. */
    private static ObjectNode event(FuzzedDataProvider data) {
        ObjectNode event = JSON.createObjectNode();
        if (data.consumeInt(0, 5) > 0) {
            event.put("name", data.consumeBoolean() ? "my-event" : data.consumeString(24));
        }
        switch (data.consumeInt(0, 3)) {
            case 0 -> event.put("channel", channel(data));
            case 1 -> {
                ArrayNode channels = event.putArray("channels");
                int n = data.consumeInt(0, 4);
                for (int i = 0; i < n; i++) {
                    channels.add(channel(data));
                }
            }
            case 2 -> {
                event.put("channel", channel(data));
                event.putArray("channels").add(channel(data));
            }
            default -> {}
        }
        switch (data.consumeInt(0, 3)) {
            case 0 -> event.put("data", data.consumeString(128));
            case 1 -> event.putObject("data").put("text", data.consumeString(128));
            case 2 -> event.put("data", "x".repeat(data.consumeInt(10_000, 10_300)));
            default -> {}
        }
        if (data.consumeBoolean()) {
            event.put("socket_id", data.consumeBoolean() ? "1.2" : data.consumeString(12));
        }
        if (data.consumeBoolean()) {
            event.put("info", data.consumeBoolean() ? data.pickValue(INFO) : data.consumeString(24));
        }
        return event;
    }

    private static ObjectNode batch(FuzzedDataProvider data) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode batch = body.putArray("batch");
        int n = data.consumeInt(0, 11);
        for (int i = 0; i < n; i++) {
            batch.add(event(data));
        }
        return body;
    }

    private static String channel(FuzzedDataProvider data) {
        return data.consumeBoolean() ? data.pickValue(RestFuzzFixture.CHANNELS) : data.consumeString(24);
    }

    private static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("answer is not JSON: " + new String(body, StandardCharsets.UTF_8), e);
        }
    }
}
