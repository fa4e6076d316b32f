package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;

/** REST calls through pusher-http-java that must succeed. */
public final class Rest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Rest() {}

    /** Triggers {@code event} on {@code channel} and asserts the server answered 200. */
    public static void trigger(Pusher rest, String channel, String event, Object data) {
        assertSuccess(rest.trigger(channel, event, data), "trigger " + event + " on " + channel);
    }

    /**
     * Sends an event to a user's connections as the Node SDK's {@code sendToUser} does: a signed
     * {@code POST /events} to {@code #server-to-user-{id}}. pusher-http-java 1.3.4 has no such call
     * and its {@code trigger} refuses names with '#'.
     */
    public static void sendToUser(Pusher rest, String userId, String event, String dataJson) {
        ObjectNode body = JSON.createObjectNode().put("name", event).put("data", dataJson);
        body.putArray("channels").add("#server-to-user-" + userId);
        assertSuccess(rest.post("/events", body.toString()), "send " + event + " to user " + userId);
    }

    /** {@code POST /users/{id}/terminate_connections}, signed by the SDK. */
    public static void terminateUserConnections(Pusher rest, String userId) {
        assertSuccess(rest.post("/users/" + userId + "/terminate_connections", "{}"), "terminate " + userId);
    }

    private static void assertSuccess(Result result, String what) {
        assertThat(result.getStatus())
                .as("%s: %s %s", what, result.getHttpStatus(), result.getMessage())
                .isEqualTo(Result.Status.SUCCESS);
    }
}
