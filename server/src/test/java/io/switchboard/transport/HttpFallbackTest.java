package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pusher-js HTTP fallback transports on the wire (pusher-protocol.md §9), without a browser. */
class HttpFallbackTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(s -> TestSettings.shutdownTimeout(s, 0), app);

    @Test
    void answersCorsPreflightForFallbackRequests() {
        String path = FallbackClient.streaming(server.port(), app.key()).base() + "/xhr_send?t=1&n=0";
        try (RawHttp response = RawHttp.request(
                server.port(),
                "OPTIONS",
                path,
                Map.of(
                        "Origin", "http://127.0.0.1:1",
                        "Access-Control-Request-Method", "POST",
                        "Access-Control-Request-Headers", "content-type"),
                null)) {
            assertThat(response.status()).isBetween(200, 204);
            assertThat(response.header("Access-Control-Allow-Origin")).isIn("*", "http://127.0.0.1:1");
            assertThat(response.header("Access-Control-Allow-Methods")).contains("POST");
            assertThat(response.header("Access-Control-Allow-Headers")).containsIgnoringCase("Content-Type");
        }
    }

    @Test
    void streamingOpensWithPreludeThenOpenThenConnectionEstablished() {
        FallbackClient client = FallbackClient.streaming(server.port(), app.key());
        try (RawHttp stream = client.receive()) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("Access-Control-Allow-Origin")).isIn("*", "http://127.0.0.1:1");
            assertThat(stream.nextLine()).isEqualTo("h".repeat(2048));
            assertThat(stream.nextLine()).isEqualTo("o");
            JsonNode messages = parse(stream.nextLine(), 'a');
            assertThat(messages.size()).isEqualTo(1);
            assertThat(messages.get(0).isTextual())
                    .as("each message is a JSON string")
                    .isTrue();
            JsonNode event = parse(messages.get(0).asText());
            assertThat(event.path("event").asText()).isEqualTo("pusher:connection_established");
            JsonNode data = RawWebSocket.data(event);
            assertThat(data.path("socket_id").asText()).matches("\\d+\\.\\d+");
            assertThat(data.path("activity_timeout").asInt()).isEqualTo(120);
        }
    }

    @Test
    void pollingAnswersOpenFirstThenConnectionEstablished() {
        FallbackClient client = FallbackClient.polling(server.port(), app.key());
        try (RawHttp first = client.receive()) {
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Access-Control-Allow-Origin")).isIn("*", "http://127.0.0.1:1");
            assertThat(first.readToEnd()).isEqualTo("o\n");
        }
        try (RawHttp second = client.receive()) {
            assertThat(second.status()).isEqualTo(200);
            String body = second.readToEnd();
            assertThat(body).endsWith("\n");
            JsonNode messages = parse(body.strip(), 'a');
            assertThat(parse(messages.get(0).asText()).path("event").asText())
                    .isEqualTo("pusher:connection_established");
        }
    }

    @Test
    void xhrSendSubscribesAndEventsFollowOnTheStream() throws Exception {
        try (FallbackClient client = FallbackClient.streaming(server.port(), app.key())) {
            client.established();
            assertThat(client.send(subscribe("news", null))).isBetween(200, 204);
            JsonNode ok = client.awaitEvent("pusher_internal:subscription_succeeded");
            assertThat(ok.path("channel").asText()).isEqualTo("news");

            server.rest(app).trigger("news", "headline", Map.of("text", "hello"));

            JsonNode event = client.awaitEvent("headline");
            assertThat(event.path("channel").asText()).isEqualTo("news");
            assertThat(RawWebSocket.data(event).path("text").asText()).isEqualTo("hello");
        }
    }

    @Test
    void heldPollIsAnsweredAsSoonAsAnEventArrives() throws Exception {
        try (FallbackClient client = FallbackClient.polling(server.port(), app.key())) {
            client.established();
            assertThat(client.send(subscribe("news", null))).isBetween(200, 204);
            client.awaitEvent("pusher_internal:subscription_succeeded");

            try (RawHttp held = client.receive()) {
                assertThat(held.silentFor(Duration.ofMillis(500)))
                        .as("an idle poll is held open, not answered at once")
                        .isTrue();
                server.rest(app).trigger("news", "headline", Map.of("text", "now"));
                assertThat(held.status()).isEqualTo(200);
                JsonNode messages = parse(held.readToEnd(Duration.ofSeconds(5)).strip(), 'a');
                JsonNode event = parse(messages.get(0).asText());
                assertThat(event.path("event").asText()).isEqualTo("headline");
                assertThat(RawWebSocket.data(event).path("text").asText()).isEqualTo("now");
            }
        }
    }

    @Test
    void xhrSendToUnknownSessionIs404() {
        FallbackClient stranger = FallbackClient.streaming(server.port(), app.key());
        assertThat(stranger.send(subscribe("news", null))).isEqualTo(404);
    }

    @Test
    void unknownAppKeyOpensThenClosesWith4001() {
        FallbackClient client = FallbackClient.streaming(server.port(), "no-such-key");
        try (RawHttp response = client.receive()) {
            assertThat(response.status()).isEqualTo(200);
            String body = response.readToEnd();
            assertThat(body).startsWith("o\nc[4001,\"");
            assertThat(body).endsWith("\"]\n");
        }
        assertThat(server.server().connections().total()).isZero();
    }

    @Test
    void newStreamingRequestResumesTheSessionWithoutOpeningAgain() throws Exception {
        try (FallbackClient client = FallbackClient.streaming(server.port(), app.key())) {
            String socketId = client.established();
            client.send(subscribe("news", null));
            client.awaitEvent("pusher_internal:subscription_succeeded");

            try (RawHttp again = client.receive()) {
                assertThat(again.status()).isEqualTo(200);
                assertThat(again.nextLine()).isEqualTo("h".repeat(2048));
                server.rest(app).trigger("news", "after-resume", Map.of("n", 1));
                JsonNode messages = parse(again.nextLine(), 'a');
                JsonNode event = parse(messages.get(0).asText());
                assertThat(event.path("event").asText()).isEqualTo("after-resume");
            }
            assertThat(server.server().connections().all())
                    .extracting(c -> c.socketId())
                    .containsExactly(socketId);
        }
    }

    /**
     * pusher-js drops a streaming response once it holds more than 256 KiB and opens a new one; what
     * the server writes to the old one after that is lost, so it must hold messages for the new one.
     */
    @Test
    void streamingStopsWritingPast256KiBAndResumesOnTheNextRequest() throws Exception {
        // pusher-js's limit, stated here rather than read from the server's constant: its
        // HTTPRequest.isBufferTooLong drops a response once all of its text is read and that text
        // is longer than 262144 characters (pusher.min.js 8.6.0 in the test resources).
        long pusherJsRestartChars = 262_144;
        FallbackClient client = FallbackClient.streaming(server.port(), app.key());
        int count = 40; // 8 KiB each: about 330 KiB
        List<Integer> received = new ArrayList<>();
        try (RawHttp first = client.receive()) {
            long chars = 0; // what pusher-js counts: the whole response text (ASCII here)
            while (chars <= pusherJsRestartChars) {
                String line = first.nextLine();
                chars += line.length() + 1;
                if (!line.startsWith("a")) {
                    continue;
                }
                for (JsonNode m : parse(line, 'a')) {
                    JsonNode event = parse(m.asText());
                    switch (event.path("event").asText()) {
                        case "pusher:connection_established" -> client.send(subscribe("bulk", null));
                        case "pusher_internal:subscription_succeeded" -> {
                            for (int i = 0; i < count; i++) {
                                server.rest(app)
                                        .trigger("bulk", "chunk", Map.of("i", i, "filler", "x".repeat(8 * 1024)));
                            }
                        }
                        default ->
                            received.add(RawWebSocket.data(event).path("i").asInt());
                    }
                }
            }
            assertThat(received).isNotEmpty().hasSizeLessThan(count);
            assertThat(first.silentFor(Duration.ofMillis(500)))
                    .as("nothing more on a response pusher-js is about to drop")
                    .isTrue();
        }
        try (RawHttp second = client.receive()) {
            assertThat(second.nextLine()).isEqualTo("h".repeat(2048));
            while (received.size() < count) {
                for (JsonNode m : parse(second.nextLine(), 'a')) {
                    received.add(RawWebSocket.data(parse(m.asText())).path("i").asInt());
                }
            }
        }
        assertThat(received).isEqualTo(IntStream.range(0, count).boxed().toList());
    }

    @Test
    void sessionWhoseReceiveRequestGoesAwayIsCleanedUp() throws Exception {
        String channel = "presence-room";
        try (RawWebSocket watcher = server.raw(app)) {
            String watcherId = watcher.established();
            watcher.send(subscribe(channel, presenceAuth(watcherId, channel, "watcher")));
            watcher.awaitEvent("pusher_internal:subscription_succeeded");

            FallbackClient client = FallbackClient.streaming(server.port(), app.key());
            String socketId = client.established();
            client.send(subscribe(channel, presenceAuth(socketId, channel, "leaver")));
            client.awaitEvent("pusher_internal:subscription_succeeded");
            JsonNode added = watcher.awaitEvent("pusher_internal:member_added");
            assertThat(RawWebSocket.data(added).path("user_id").asText()).isEqualTo("leaver");

            client.close(); // the browser went away: no close request ever comes

            JsonNode removed = nextNamed(watcher, "pusher_internal:member_removed", Duration.ofSeconds(20));
            assertThat(RawWebSocket.data(removed).path("user_id").asText()).isEqualTo("leaver");
        }
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(
                        () -> assertThat(server.server().connections().total()).isZero());
        Result channels = server.rest(app).get("/channels");
        assertThat(parse(channels.getMessage()).path("channels").size()).isZero();
    }

    @Test
    void pingOverXhrSendIsAnsweredWithPong() {
        try (FallbackClient client = FallbackClient.polling(server.port(), app.key())) {
            client.established();
            assertThat(client.send("{\"event\":\"pusher:ping\",\"data\":{}}")).isBetween(200, 204);
            assertThat(client.nextEvent().path("event").asText()).isEqualTo("pusher:pong");
            assertThat(client.send()).as("[] is a heartbeat").isBetween(200, 204);
        }
    }

    @Test
    void xhrSendWithoutAJsonArrayOfStringsIs400() {
        try (FallbackClient client = FallbackClient.streaming(server.port(), app.key())) {
            client.established();
            try (RawHttp response = RawHttp.request(
                    server.port(),
                    "POST",
                    client.base() + "/xhr_send?t=1&n=9",
                    Map.of("Content-Type", "application/json"),
                    "{\"event\":\"pusher:ping\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                assertThat(response.status()).isEqualTo(400);
            }
        }
    }

    @Test
    void serverCloseEndsTheStreamWithErrorThenCloseFrame() {
        try (FallbackClient client = FallbackClient.streaming(server.port(), app.key())) {
            client.established();
            server.server().connections().closeAll(4200, "Server is shutting down, reconnect");

            JsonNode error = client.nextEvent();
            assertThat(error.path("event").asText()).isEqualTo("pusher:error");
            assertThat(RawWebSocket.data(error).path("code").asInt()).isEqualTo(4200);
            assertThat(client.stream().nextLine()).isEqualTo("c[4200,\"Server is shutting down, reconnect\"]");
            assertThat(client.stream().nextLine())
                    .as("the response ends after c")
                    .isNull();
        }
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(server.server().connections().total()).isZero());
    }

    @Test
    void serverCloseAnswersTheHeldPollWithErrorThenCloseFrame() {
        try (FallbackClient client = FallbackClient.polling(server.port(), app.key())) {
            client.established();
            try (RawHttp held = client.receive()) {
                assertThat(held.silentFor(Duration.ofMillis(300))).isTrue();
                server.server().connections().closeAll(4200, "Server is shutting down, reconnect");
                assertThat(held.status()).isEqualTo(200);
                String[] lines = held.readToEnd().split("\n");
                assertThat(lines).hasSize(2);
                JsonNode error = parse(parse(lines[0], 'a').get(0).asText());
                assertThat(error.path("event").asText()).isEqualTo("pusher:error");
                assertThat(RawWebSocket.data(error).path("code").asInt()).isEqualTo(4200);
                assertThat(lines[1]).isEqualTo("c[4200,\"Server is shutting down, reconnect\"]");
            }
            assertThat(client.send("{\"event\":\"pusher:ping\",\"data\":{}}"))
                    .as("the session is gone")
                    .isEqualTo(404);
        }
        assertThat(server.server().connections().total()).isZero();
    }

    /** Waits out the 25 s heartbeat once, for a streaming and a polling session at the same time. */
    @Test
    @Tag("slow")
    void idleSessionsGetHeartbeatsWithinThirtySeconds() throws Exception {
        try (FallbackClient streaming = FallbackClient.streaming(server.port(), app.key());
                FallbackClient polling = FallbackClient.polling(server.port(), app.key())) {
            streaming.established();
            polling.established();
            try (RawHttp held = polling.receive()) {
                assertThat(streaming.stream().nextLine(Duration.ofSeconds(30))).isEqualTo("h");
                assertThat(held.status()).isEqualTo(200);
                assertThat(held.readToEnd(Duration.ofSeconds(30))).isEqualTo("h\n");
            }
        }
    }

    private String presenceAuth(String socketId, String channel, String userId) {
        return server.rest(app).authenticate(socketId, channel, new PresenceUser(userId, Map.of("name", userId)));
    }

    /** {@code pusher:subscribe}, with the auth endpoint's JSON answer merged into data. */
    private static String subscribe(String channel, String authJson) {
        ObjectNode data = JSON.createObjectNode().put("channel", channel);
        if (authJson != null) {
            data.setAll((ObjectNode) parse(authJson));
        }
        return JSON.createObjectNode()
                .put("event", "pusher:subscribe")
                .set("data", data)
                .toString();
    }

    private static JsonNode nextNamed(RawWebSocket ws, String event, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode next = ws.nextEvent(wait);
            if (next.path("event").asText().equals(event)) {
                return next;
            }
        }
        throw new AssertionError("no " + event + " within " + wait);
    }

    private static JsonNode parse(String line, char frame) {
        assertThat(line).startsWith(String.valueOf(frame));
        return parse(line.substring(1));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
