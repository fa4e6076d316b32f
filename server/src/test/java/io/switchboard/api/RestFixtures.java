package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Subscribers and assertions shared by the REST API tests. */
final class RestFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private RestFixtures() {}

    /** A connected raw client and its socket id. */
    record Client(RawWebSocket ws, String socketId) implements AutoCloseable {
        @Override
        public void close() {
            ws.close();
        }
    }

    /** Opens raw clients for one app and closes them all at the end of a test. */
    static final class Clients implements AutoCloseable {
        private final TestServer server;
        private final App app;
        private final List<Client> open = new ArrayList<>();

        Clients(TestServer server, App app) {
            this.server = server;
            this.app = app;
        }

        /** A raw client subscribed to each public channel in {@code channels}. */
        Client subscriber(String... channels) {
            RawWebSocket ws = server.raw(app);
            Client c = new Client(ws, ws.established());
            open.add(c);
            for (String channel : channels) {
                ws.subscribe(channel);
            }
            return c;
        }

        /** A raw client that joined presence {@code channel} as {@code userId}, signed as an app would. */
        Client presenceMember(String channel, String userId) {
            Client c = subscriber();
            joinPresence(c, app, channel, userId);
            return c;
        }

        /** A raw client signed in as {@code userId}. */
        Client signedIn(String userId) {
            Client c = subscriber();
            signIn(c, app, userId);
            return c;
        }

        @Override
        public void close() {
            open.forEach(Client::close);
        }
    }

    static void joinPresence(Client c, App app, String channel, String userId) {
        String channelData = "{\"user_id\":\"" + userId + "\",\"user_info\":{\"name\":\"" + userId + "\"}}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), c.socketId() + ":" + channel + ":" + channelData);
        ObjectNode data = JSON.createObjectNode()
                .put("auth", auth)
                .put("channel", channel)
                .put("channel_data", channelData);
        ObjectNode frame = JSON.createObjectNode().put("event", "pusher:subscribe");
        frame.set("data", data);
        c.ws().send(frame.toString());
        JsonNode ok = c.ws().awaitEvent("pusher_internal:subscription_succeeded");
        assertThat(ok.path("channel").asText()).isEqualTo(channel);
    }

    /** Signs {@code c} in as {@code userId} with {@code pusher:signin}, as pusher-js does. */
    static void signIn(Client c, App app, String userId) {
        String userData = "{\"id\":\"" + userId + "\"}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), c.socketId() + "::user::" + userData);
        ObjectNode data = JSON.createObjectNode().put("auth", auth).put("user_data", userData);
        ObjectNode frame = JSON.createObjectNode().put("event", "pusher:signin");
        frame.set("data", data);
        c.ws().send(frame.toString());
        c.ws().awaitEvent("pusher:signin_success");
    }

    /** Asserts the next event {@code ws} receives is {@code event} on {@code channel}. */
    static JsonNode assertNextEvent(RawWebSocket ws, String event, String channel) {
        JsonNode e = ws.nextEvent();
        assertThat(e.path("event").asText()).as("event of %s", e).isEqualTo(event);
        assertThat(e.path("channel").asText()).as("channel of %s", e).isEqualTo(channel);
        return e;
    }

    /** Asserts the SDK call succeeded (HTTP 200) and returns its body as JSON. */
    static JsonNode assertSuccess(Result result) {
        assertThat(result.getStatus())
                .as("status of %s %s", result.getHttpStatus(), result.getMessage())
                .isEqualTo(Result.Status.SUCCESS);
        assertThat(result.getHttpStatus()).isEqualTo(200);
        return json(result.getMessage());
    }

    /** Asserts the SDK call failed with {@code httpStatus} and a JSON {@code {"error": ...}} body. */
    static String assertFailure(Result result, Result.Status status, int httpStatus) {
        assertThat(result.getHttpStatus())
                .as("HTTP status of %s", result.getMessage())
                .isEqualTo(httpStatus);
        assertThat(result.getStatus()).isEqualTo(status);
        JsonNode body = json(result.getMessage());
        assertThat(body.path("error").isTextual()).as("error in %s", body).isTrue();
        return body.path("error").asText();
    }

    /** Asserts a JSON error reply with {@code status}; returns its message. */
    static String assertError(SignedHttp.Reply reply, int status) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).isEqualTo("application/json");
        JsonNode body = reply.json();
        assertThat(body.path("error").isTextual()).as("error in %s", body).isTrue();
        assertThat(body.path("error").asText()).isNotBlank();
        return body.path("error").asText();
    }

    /** Asserts a 200 JSON reply and returns its body. */
    static JsonNode assertOk(SignedHttp.Reply reply) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo("application/json");
        return reply.json();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
