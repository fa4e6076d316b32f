package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.app.App;
import java.io.IOException;

/**
 * A {@link RawWebSocket} that has read {@code connection_established} and knows its app and
 * socket id, so it can sign subscriptions and sign-ins as an application's auth endpoint would.
 * Frame-level checks go through {@link #ws()}.
 */
public final class RawClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RawWebSocket ws;
    private final App app;
    private final String socketId;

    private RawClient(RawWebSocket ws, App app) {
        this.ws = ws;
        this.app = app;
        this.socketId = ws.established();
    }

    public static RawClient connect(TestServer server, App app) {
        return new RawClient(server.raw(app), app);
    }

    /** A client of a server on a loopback port (e.g. a node in another process). */
    public static RawClient connect(int port, App app) {
        return new RawClient(
                RawWebSocket.connect(port, "/app/" + app.key() + "?protocol=7&client=raw&version=1.0"), app);
    }

    /** A client whose socket has a small receive buffer, for tests of clients that stop reading. */
    public static RawClient connect(TestServer server, App app, int receiveBufferBytes) {
        return new RawClient(server.raw(app, receiveBufferBytes), app);
    }

    public RawWebSocket ws() {
        return ws;
    }

    public String socketId() {
        return socketId;
    }

    /** {@code key:hmac(secret, stringToSign)}, as an auth endpoint answers. */
    public String auth(String stringToSign) {
        return app.key() + ":" + TestAuth.hmac(app.secret(), stringToSign);
    }

    public RawClient send(String json) {
        ws.sendText(json);
        return this;
    }

    /** Sends {@code {"event":event,"data":data}} plus {@code channel} when not null. */
    public RawClient send(String event, String channel, JsonNode data) {
        ObjectNode frame = JSON.createObjectNode().put("event", event);
        if (channel != null) {
            frame.put("channel", channel);
        }
        if (data != null) {
            frame.set("data", data);
        }
        return send(frame.toString());
    }

    /** Sends {@code pusher:subscribe} with the auth a correct auth endpoint would give. */
    public RawClient sendSubscribe(String channel) {
        boolean signed = channel.startsWith("private-");
        return sendSubscribe(channel, signed ? auth(socketId + ":" + channel) : "", null);
    }

    /** Sends {@code pusher:subscribe} with exactly this auth and channel_data (omitted when null). */
    public RawClient sendSubscribe(String channel, String auth, String channelData) {
        ObjectNode data = JSON.createObjectNode().put("channel", channel);
        if (auth != null) {
            data.put("auth", auth);
        }
        if (channelData != null) {
            data.put("channel_data", channelData);
        }
        return send("pusher:subscribe", null, data);
    }

    /** Subscribes to a public, private or encrypted channel and expects success as the next event. */
    public JsonNode subscribe(String channel) {
        sendSubscribe(channel);
        return expectSubscribed(channel);
    }

    /** Joins a presence channel with a correctly signed {@code channel_data}. */
    public RawClient sendJoin(String channel, String channelData) {
        return sendSubscribe(channel, auth(socketId + ":" + channel + ":" + channelData), channelData);
    }

    /** Joins a presence channel and returns the decoded {@code presence} object of the success. */
    public JsonNode join(String channel, String channelData) {
        sendJoin(channel, channelData);
        return RawWebSocket.data(expectSubscribed(channel)).path("presence");
    }

    /** Joins as {@code {"user_id":userId,"user_info":{"name":userId}}}. */
    public JsonNode joinAs(String channel, String userId) {
        return join(channel, channelData(userId));
    }

    public static String channelData(String userId) {
        ObjectNode data = JSON.createObjectNode().put("user_id", userId);
        data.putObject("user_info").put("name", userId);
        return data.toString();
    }

    public RawClient unsubscribe(String channel) {
        return send("pusher:unsubscribe", null, JSON.createObjectNode().put("channel", channel));
    }

    /** Sends a correctly signed {@code pusher:signin}. */
    public RawClient sendSignin(String userData) {
        return sendSignin(userData, auth(socketId + "::user::" + userData));
    }

    public RawClient sendSignin(String userData, String auth) {
        return send(
                "pusher:signin", null, JSON.createObjectNode().put("auth", auth).put("user_data", userData));
    }

    /** Signs in as {@code {"id":userId}} and expects {@code signin_success}. */
    public JsonNode signin(String userId) {
        sendSignin("{\"id\":\"" + userId + "\"}");
        return expect("pusher:signin_success");
    }

    /** Sends a client event with {@code data} as the JSON value given. */
    public RawClient trigger(String channel, String event, String dataJson) {
        try {
            return send(event, channel, JSON.readTree(dataJson));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + dataJson, e);
        }
    }

    public JsonNode next() {
        return ws.nextEvent();
    }

    /** The next event, which must be named {@code event}. */
    public JsonNode expect(String event) {
        JsonNode e = ws.nextEvent();
        assertThat(e.path("event").asText()).as("next event: %s", e).isEqualTo(event);
        return e;
    }

    /** The next event, which must be {@code event} on {@code channel}. */
    public JsonNode expect(String event, String channel) {
        JsonNode e = expect(event);
        assertThat(e.path("channel").asText()).as("channel of %s", e).isEqualTo(channel);
        return e;
    }

    public JsonNode expectSubscribed(String channel) {
        return expect("pusher_internal:subscription_succeeded", channel);
    }

    /** The next event, which must be a {@code pusher:error}; returns its decoded data. */
    public JsonNode expectError() {
        return RawWebSocket.data(expect("pusher:error"));
    }

    /** The next event, which must be a {@code pusher:subscription_error} on channel. */
    public JsonNode expectSubscriptionError(String channel) {
        return RawWebSocket.data(expect("pusher:subscription_error", channel));
    }

    /** Skips events until one named {@code event} arrives. */
    public JsonNode await(String event) {
        return ws.awaitEvent(event);
    }

    /**
     * Proves the connection is open and that nothing else was queued for it before the check: a
     * {@code pusher:ping} must be answered by a {@code pusher:pong} as the very next event.
     */
    public void expectOnlyPong() {
        send("{\"event\":\"pusher:ping\",\"data\":{}}");
        expect("pusher:pong");
    }

    /** Reads up to the close frame and returns its code. */
    public int awaitCloseCode() {
        return ws.awaitClose().closeCode();
    }

    @Override
    public void close() {
        ws.close();
    }
}
