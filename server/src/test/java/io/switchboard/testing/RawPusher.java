package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.app.App;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Signed protocol steps on a {@link RawWebSocket} (sign-in, presence subscribe) and readings of
 * what a raw client received, for tests that check every frame a client gets.
 */
public final class RawPusher {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a raw client waits for each next frame: long, the machine may be loaded. */
    public static final Duration WAIT = Duration.ofSeconds(20);

    private RawPusher() {}

    /**
     * Connects to the node on {@code port}, signs in as {@code userId} watching {@code watchlist}
     * (a JSON array) and returns once {@code signin_success} arrived.
     */
    public static RawWebSocket signedIn(int port, App app, String userId, String watchlist) {
        RawWebSocket ws = RawWebSocket.connect(port, "/app/" + app.key() + "?protocol=7");
        String socketId = ws.established();
        String userData = "{\"id\":\"" + userId + "\",\"watchlist\":" + watchlist + "}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), socketId + "::user::" + userData);
        ws.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"" + auth + "\",\"user_data\":"
                + JSON.valueToTree(userData) + "}}");
        ws.awaitEvent("pusher:signin_success");
        return ws;
    }

    /** Connects to the node on {@code port} without signing in. */
    public static RawWebSocket connected(int port, App app) {
        RawWebSocket ws = RawWebSocket.connect(port, "/app/" + app.key() + "?protocol=7");
        ws.established();
        return ws;
    }

    /**
     * Subscribes to a presence channel as {@code userId}; returns the answer: {@code
     * subscription_succeeded} or {@code subscription_error}.
     */
    public static JsonNode subscribePresence(RawWebSocket ws, App app, String channel, String userId) {
        String socketId = ws.socketId();
        String channelData = "{\"user_id\":\"" + userId + "\"}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), socketId + ":" + channel + ":" + channelData);
        ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\"" + auth
                + "\",\"channel_data\":" + JSON.valueToTree(channelData) + "}}");
        while (true) {
            JsonNode event = ws.nextEvent(WAIT);
            String name = event.path("event").asText();
            if (name.equals("pusher:subscription_error") || name.equals("pusher_internal:subscription_succeeded")) {
                return event;
            }
        }
    }

    /** Like {@link #subscribePresence}, failing unless the subscription succeeded. */
    public static void joinPresence(RawWebSocket ws, App app, String channel, String userId) {
        JsonNode answer = subscribePresence(ws, app, channel, userId);
        if (!answer.path("event").asText().equals("pusher_internal:subscription_succeeded")) {
            throw new AssertionError("subscribing " + userId + " to " + channel + " failed: " + answer);
        }
    }

    /** "online:bob"-style entries of a {@code watchlist_events} frame. */
    public static List<String> watchlist(JsonNode frame) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : RawWebSocket.data(frame).path("events")) {
            for (JsonNode id : e.path("user_ids")) {
                out.add(e.path("name").asText() + ":" + id.asText());
            }
        }
        return out;
    }

    /**
     * Reads every event up to and including the first one named {@code fence} and returns them in
     * order as short names: the event name, {@code member_added:ID} / {@code member_removed:ID} for
     * presence changes, {@code online:ID} / {@code offline:ID} for watchlist entries.
     */
    public static List<String> eventsUntil(RawWebSocket ws, String fence) {
        List<String> out = new ArrayList<>();
        while (true) {
            JsonNode event = ws.nextEvent(WAIT);
            out.addAll(shortNames(event));
            if (event.path("event").asText().equals(fence)) {
                return out;
            }
        }
    }

    /**
     * Reads events until every one of {@code expected} (short names, as {@link #eventsUntil}) has
     * arrived, and returns all read, in order.
     */
    public static List<String> eventsUntilSeen(RawWebSocket ws, String... expected) {
        List<String> out = new ArrayList<>();
        List<String> missing = new ArrayList<>(List.of(expected));
        while (!missing.isEmpty()) {
            List<String> next = shortNames(ws.nextEvent(WAIT));
            out.addAll(next);
            next.forEach(missing::remove);
        }
        return out;
    }

    private static List<String> shortNames(JsonNode event) {
        String name = event.path("event").asText();
        return switch (name) {
            case "pusher_internal:member_added" ->
                List.of("member_added:"
                        + RawWebSocket.data(event).path("user_id").asText());
            case "pusher_internal:member_removed" ->
                List.of("member_removed:"
                        + RawWebSocket.data(event).path("user_id").asText());
            case "pusher_internal:watchlist_events" -> watchlist(event);
            default -> List.of(name);
        };
    }
}
