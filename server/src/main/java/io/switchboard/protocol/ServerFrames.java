package io.switchboard.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Encodes the frames the server sends (pusher-protocol.md §2.2). {@code data} always goes out as a
 * JSON string holding JSON, except for relayed client events, whose data is forwarded as the
 * sender sent it. Thread-safe.
 */
public final class ServerFrames {
    private static final JsonFactory JSON = new JsonFactory();

    private ServerFrames() {}

    /** One presence member: {@code userInfo} is raw JSON text or {@code null}. */
    public record Member(String userId, String userInfo) {}

    public static byte[] connectionEstablished(String socketId, int activityTimeout) {
        String data = inner(g -> {
            g.writeStringField("socket_id", socketId);
            g.writeNumberField("activity_timeout", activityTimeout);
        });
        return frame("pusher:connection_established", null, data);
    }

    /** {@code pusher:error}; {@code code} is {@code null} for non-fatal errors. */
    public static byte[] error(Integer code, String message) {
        String data = inner(g -> {
            g.writeStringField("message", message);
            if (code == null) {
                g.writeNullField("code");
            } else {
                g.writeNumberField("code", code);
            }
        });
        return frame("pusher:error", null, data);
    }

    public static byte[] pong() {
        return frame("pusher:pong", null, "{}");
    }

    public static byte[] subscriptionSucceeded(String channel) {
        return frame("pusher_internal:subscription_succeeded", channel, "{}");
    }

    public static byte[] presenceSubscriptionSucceeded(String channel, List<Member> members) {
        String data = inner(g -> {
            g.writeObjectFieldStart("presence");
            g.writeArrayFieldStart("ids");
            for (Member m : members) {
                g.writeString(m.userId());
            }
            g.writeEndArray();
            g.writeObjectFieldStart("hash");
            for (Member m : members) {
                g.writeFieldName(m.userId());
                writeRawOrNull(g, m.userInfo());
            }
            g.writeEndObject();
            g.writeNumberField("count", members.size());
            g.writeEndObject();
        });
        return frame("pusher_internal:subscription_succeeded", channel, data);
    }

    public static byte[] memberAdded(String channel, String userId, String userInfo) {
        String data = inner(g -> {
            g.writeStringField("user_id", userId);
            g.writeFieldName("user_info");
            writeRawOrNull(g, userInfo);
        });
        return frame("pusher_internal:member_added", channel, data);
    }

    public static byte[] memberRemoved(String channel, String userId) {
        return frame("pusher_internal:member_removed", channel, inner(g -> g.writeStringField("user_id", userId)));
    }

    public static byte[] subscriptionError(String channel, String type, String error, int status) {
        String data = inner(g -> {
            g.writeStringField("type", type);
            g.writeStringField("error", error);
            g.writeNumberField("status", status);
        });
        return frame("pusher:subscription_error", channel, data);
    }

    public static byte[] signinSuccess(String userData) {
        return frame("pusher:signin_success", null, inner(g -> g.writeStringField("user_data", userData)));
    }

    public static byte[] cacheMiss(String channel) {
        return frame("pusher:cache_miss", channel, "{}");
    }

    public static byte[] subscriptionCount(String channel, long count) {
        return frame(
                "pusher_internal:subscription_count",
                channel,
                inner(g -> g.writeNumberField("subscription_count", count)));
    }

    /**
     * {@code pusher_internal:watchlist_events} with an {@code online} and/or {@code offline} entry
     * (empty lists are left out).
     */
    public static byte[] watchlistEvents(List<String> online, List<String> offline) {
        String data = inner(g -> {
            g.writeArrayFieldStart("events");
            for (var entry : List.of(Map.entry("online", online), Map.entry("offline", offline))) {
                if (entry.getValue().isEmpty()) {
                    continue;
                }
                g.writeStartObject();
                g.writeStringField("name", entry.getKey());
                g.writeArrayFieldStart("user_ids");
                for (String id : entry.getValue()) {
                    g.writeString(id);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        });
        return frame("pusher_internal:watchlist_events", null, data);
    }

    /** A channel event triggered through the REST API: {@code data} is forwarded as a string. */
    public static byte[] event(String event, String channel, String data) {
        return frame(event, channel, data);
    }

    /**
     * A relayed client event: {@code rawData} is JSON text written as is; {@code userId} is added on
     * presence channels.
     */
    public static byte[] clientEvent(String event, String channel, String rawData, String userId) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("event", event);
            g.writeStringField("channel", channel);
            g.writeFieldName("data");
            if (rawData == null) {
                g.writeString("{}");
            } else {
                g.writeRawValue(rawData);
            }
            if (userId != null) {
                g.writeStringField("user_id", userId);
            }
            g.writeEndObject();
        });
    }

    /**
     * {@code switchboard:resumed}: every event after {@code after} was replayed ({@code replayed}
     * of them), up to {@code latest}; live events follow.
     */
    public static byte[] resumed(String channel, long after, int replayed, long latest) {
        return frame("switchboard:resumed", channel, inner(g -> {
            g.writeNumberField("after", after);
            g.writeNumberField("replayed", replayed);
            g.writeNumberField("latest", latest);
        }));
    }

    /**
     * {@code switchboard:resume_failed}: the history does not reach back to {@code after}; nothing
     * was replayed and live events follow. {@code earliest} and {@code latest} are 0 for none
     * (written as null).
     */
    public static byte[] resumeFailed(String channel, long after, long earliest, long latest, String reason) {
        return frame("switchboard:resume_failed", channel, inner(g -> {
            g.writeNumberField("after", after);
            writeSerial(g, "earliest", earliest);
            writeSerial(g, "latest", latest);
            g.writeStringField("reason", reason);
        }));
    }

    private static void writeSerial(JsonGenerator g, String field, long serial) throws IOException {
        if (serial > 0) {
            g.writeNumberField(field, serial);
        } else {
            g.writeNullField(field);
        }
    }

    private static byte[] frame(String event, String channel, String data) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("event", event);
            if (channel != null) {
                g.writeStringField("channel", channel);
            }
            g.writeStringField("data", data);
            g.writeEndObject();
        });
    }

    private static void writeRawOrNull(JsonGenerator g, String rawJson) throws IOException {
        if (rawJson == null) {
            g.writeNull();
        } else {
            g.writeRawValue(rawJson);
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(128)) {
            try (JsonGenerator g = JSON.createGenerator(out)) {
                body.write(g);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An inner JSON object as text, to be sent as the string value of {@code data}. */
    private static String inner(Body fields) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * {@code frame} (a JSON object) with {@code ,"serial":N} added before its closing brace: the
     * event's place in its channel's history, an extra top-level field stock clients ignore.
     */
    public static byte[] withSerial(byte[] frame, long serial) {
        int end = frame.length - 1;
        while (end > 0 && frame[end] != '}') {
            end--;
        }
        byte[] field = (",\"serial\":" + serial).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[end + field.length + 1];
        System.arraycopy(frame, 0, out, 0, end);
        System.arraycopy(field, 0, out, end, field.length);
        out[out.length - 1] = '}';
        return out;
    }
}
