package io.switchboard.dashboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.switchboard.api.ApiResponse;
import io.switchboard.debug.DebugEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The debug console's events as JSON: formatted once, on the node where they happened (on the
 * console's relay thread, never where they happened), sent to every node with a viewer of the app,
 * and there read back only as far as filtering needs ({@link #read}).
 *
 * <p>Every event has {@code type}, {@code at} (epoch ms) and {@code node}; the rest depends on the
 * type. Event data is cut to {@link #MAX_DATA} characters ({@code data_length} then gives the
 * original length). Nothing secret is written: webhook URLs come without user-info or query, and
 * no header value, signature or app secret is ever among the fields.
 */
final class ConsoleEvents {
    static final int MAX_DATA = 2048;
    static final int MAX_WEBHOOK_EVENTS = 20;

    /** Every type an event can have; a viewer's type filter picks among them. */
    static final Set<String> TYPES = Set.of(
            "connection",
            "disconnection",
            "subscribed",
            "unsubscribed",
            "subscription_error",
            "occupied",
            "vacated",
            "member_added",
            "member_removed",
            "api_message",
            "client_event",
            "webhook",
            "error");

    /** Markers that events were left out; never filtered away. */
    static final String SAMPLED = "sampled";

    private static final JsonFactory JSON = new JsonFactory();

    private ConsoleEvents() {}

    /**
     * A console event as a receiving node sees it.
     *
     * @param channels the channels it concerns (empty for connection-wide events)
     * @param json the event as sent to viewers
     */
    record Received(String type, List<String> channels, byte[] json) {}

    static byte[] json(DebugEvent event, String node) {
        return write(g -> {
            switch (event) {
                case DebugEvent.ConnectionOpened e -> {
                    head(g, "connection", e.atMillis(), node);
                    g.writeStringField("socket_id", e.socketId());
                    g.writeStringField("transport", e.transport());
                    g.writeNumberField("protocol", e.protocol());
                    optional(g, "client", e.client());
                    optional(g, "version", e.version());
                }
                case DebugEvent.ConnectionClosed e -> {
                    head(g, "disconnection", e.atMillis(), node);
                    g.writeStringField("socket_id", e.socketId());
                    g.writeStringField("transport", e.transport());
                    g.writeNumberField("code", e.code());
                    optional(g, "reason", e.reason());
                }
                case DebugEvent.Subscribed e -> {
                    head(g, "subscribed", e.atMillis(), node);
                    g.writeStringField("socket_id", e.socketId());
                    g.writeStringField("channel", e.channel());
                }
                case DebugEvent.Unsubscribed e -> {
                    head(g, "unsubscribed", e.atMillis(), node);
                    g.writeStringField("socket_id", e.socketId());
                    g.writeStringField("channel", e.channel());
                }
                case DebugEvent.SubscriptionFailed e -> {
                    head(g, "subscription_error", e.atMillis(), node);
                    g.writeStringField("socket_id", e.socketId());
                    g.writeStringField("channel", e.channel());
                    g.writeStringField("error_type", e.type());
                    g.writeNumberField("status", e.status());
                    g.writeStringField("message", e.message());
                }
                case DebugEvent.ChannelChanged e -> {
                    head(g, e.occupied() ? "occupied" : "vacated", e.atMillis(), node);
                    g.writeStringField("channel", e.channel());
                }
                case DebugEvent.MemberChanged e -> {
                    head(g, e.added() ? "member_added" : "member_removed", e.atMillis(), node);
                    g.writeStringField("channel", e.channel());
                    g.writeStringField("user_id", e.userId());
                }
                case DebugEvent.ApiMessage e -> {
                    head(g, "api_message", e.atMillis(), node);
                    g.writeArrayFieldStart("channels");
                    for (String c : e.channels()) {
                        g.writeString(c);
                    }
                    g.writeEndArray();
                    g.writeStringField("event", e.event());
                    data(g, e.data());
                    optional(g, "excluded_socket_id", e.excludedSocketId());
                }
                case DebugEvent.ClientEvent e -> {
                    head(g, "client_event", e.atMillis(), node);
                    g.writeStringField("channel", e.channel());
                    g.writeStringField("event", e.event());
                    data(g, e.data());
                    g.writeStringField("socket_id", e.socketId());
                    optional(g, "user_id", e.userId());
                }
                case DebugEvent.WebhookTry e -> {
                    head(g, "webhook", e.atMillis(), node);
                    g.writeStringField("url", e.url());
                    g.writeStringField("outcome", e.outcome());
                    g.writeNumberField("attempt", e.attempt());
                    if (e.status() > 0) {
                        g.writeNumberField("status", e.status());
                    }
                    optional(g, "problem", e.problem());
                    webhookEvents(g, e.body());
                }
                case DebugEvent.ConnectionError e -> {
                    head(g, "error", e.atMillis(), node);
                    g.writeStringField("source", "connection");
                    g.writeStringField("socket_id", e.socketId());
                    if (e.code() > 0) {
                        g.writeNumberField("code", e.code());
                    }
                    g.writeStringField("message", e.message());
                }
                case DebugEvent.ApiError e -> {
                    head(g, "error", e.atMillis(), node);
                    g.writeStringField("source", "rest");
                    g.writeStringField("request", e.method() + " " + e.path());
                    g.writeNumberField("status", e.status());
                    g.writeStringField("message", errorMessage(e.body()));
                }
            }
        });
    }

    /**
     * A marker that {@code dropped} events were left out.
     *
     * @param where {@code node} (over the node's budget for the app) or {@code viewer} (over the
     *     viewer's rate)
     */
    static byte[] sampled(long atMillis, String node, long dropped, String where) {
        return write(g -> {
            head(g, SAMPLED, atMillis, node);
            g.writeNumberField("dropped", dropped);
            g.writeStringField("where", where);
        });
    }

    /** The type and channels of an event sent by any node; {@code null} when it does not parse. */
    static Received read(byte[] json) {
        String type = null;
        List<String> channels = List.of();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("type") && value == JsonToken.VALUE_STRING) {
                    type = p.getText();
                } else if (field.equals("channel") && value == JsonToken.VALUE_STRING) {
                    channels = List.of(p.getText());
                } else if (field.equals("channels") && value == JsonToken.START_ARRAY) {
                    List<String> list = new ArrayList<>();
                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                        list.add(p.getText());
                    }
                    channels = list;
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return type == null ? null : new Received(type, channels, json);
    }

    private static void head(JsonGenerator g, String type, long at, String node) throws IOException {
        g.writeStringField("type", type);
        g.writeNumberField("at", at);
        g.writeStringField("node", node);
    }

    private static void optional(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    private static void data(JsonGenerator g, String data) throws IOException {
        if (data == null) {
            return;
        }
        if (data.length() <= MAX_DATA) {
            g.writeStringField("data", data);
        } else {
            g.writeStringField("data", data.substring(0, MAX_DATA));
            g.writeNumberField("data_length", data.length());
        }
    }

    /** The events of a webhook body: name, channel and user or event name; never their data. */
    private static void webhookEvents(JsonGenerator g, String body) throws IOException {
        if (body == null) {
            return;
        }
        g.writeArrayFieldStart("events");
        int total = 0;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    if (p.nextToken() == JsonToken.START_ARRAY && field.equals("events")) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            total++;
                            if (total > MAX_WEBHOOK_EVENTS) {
                                p.skipChildren();
                                continue;
                            }
                            g.writeStartObject();
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String name = p.currentName();
                                JsonToken t = p.nextToken();
                                if (t == JsonToken.VALUE_STRING
                                        && (name.equals("name")
                                                || name.equals("channel")
                                                || name.equals("user_id")
                                                || name.equals("event"))) {
                                    g.writeStringField(name, p.getText());
                                } else {
                                    p.skipChildren();
                                }
                            }
                            g.writeEndObject();
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            // a body that does not parse is summarised as far as it went
        }
        g.writeEndArray();
        g.writeNumberField("event_count", total);
    }

    private static String errorMessage(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    if (p.nextToken() == JsonToken.VALUE_STRING && field.equals("error")) {
                        return p.getText();
                    }
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    }

    /** A JSON object built by {@code fields}. */
    static byte[] write(ApiResponse.Fields fields) {
        return ApiResponse.json(fields);
    }
}
