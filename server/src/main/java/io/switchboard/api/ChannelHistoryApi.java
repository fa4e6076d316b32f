package io.switchboard.api;

import static java.util.concurrent.CompletableFuture.completedFuture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.switchboard.app.App;
import io.switchboard.app.HistoryRule;
import io.switchboard.broker.ChannelKey;
import io.switchboard.broker.HistoryStore;
import io.switchboard.channel.Channels;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ClientText;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /apps/{app_id}/channels/{channel_name}/events}: a history channel's retained events,
 * a page at a time. Newest first, or oldest first from {@code after}; {@code next} is the serial to
 * pass as {@code before} (or {@code after}) for the following page. The request is signed like
 * every REST request (checked by {@link RestApi} before it gets here). Encrypted channels' payloads
 * are returned as published, still encrypted.
 */
final class ChannelHistoryApi {
    private static final Logger log = LoggerFactory.getLogger("switchboard.api");
    private static final JsonFactory JSON = new JsonFactory();

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final Channels channels;

    ChannelHistoryApi(Channels channels) {
        this.channels = channels;
    }

    CompletionStage<ApiResponse> events(App app, String name, ApiRequest request) {
        String problem = ChannelNames.problem(name, app.limits().maxChannelNameLength());
        if (problem != null) {
            return fail(400, problem);
        }
        ChannelKey key = new ChannelKey(app.id(), name);
        HistoryRule rule = channels.historyRule(key);
        if (rule == null) {
            return fail(
                    404,
                    "Channel " + name + " keeps no history: no rule in the app's 'history' names it"
                            + " (see docs/history.md)");
        }
        int limit;
        long before;
        long after;
        try {
            limit = (int) number(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
            before = number(request, "before", -1, 1, Long.MAX_VALUE);
            after = number(request, "after", -1, 0, Long.MAX_VALUE);
        } catch (IllegalArgumentException e) {
            return fail(400, e.getMessage());
        }
        if (before >= 0 && after >= 0) {
            return fail(400, "Give 'before' or 'after', not both");
        }
        boolean oldestFirst = after >= 0;
        CompletionStage<HistoryStore.Page> read = oldestFirst
                ? channels.historyAfter(key, rule, after, limit)
                : channels.historyBefore(key, rule, before >= 0 ? before : Long.MAX_VALUE, limit);
        return read.handle((page, error) -> {
            if (error != null) {
                log.debug("reading the history of {} failed: {}", key, error.toString());
                return ApiResponse.error(503, "The history of " + name + " cannot be read now; try again");
            }
            return new ApiResponse(200, ApiResponse.json(g -> write(g, page, limit, oldestFirst)));
        });
    }

    private static void write(JsonGenerator g, HistoryStore.Page page, int limit, boolean oldestFirst)
            throws IOException {
        List<HistoryStore.Stored> events = page.events();
        g.writeArrayFieldStart("events");
        for (HistoryStore.Stored e : events) {
            g.writeStartObject();
            g.writeNumberField("serial", e.serial());
            writeFrame(g, e.frame());
            g.writeNumberField("published_at", e.publishedAt());
            g.writeEndObject();
        }
        g.writeEndArray();
        serial(g, "earliest", page.earliest());
        serial(g, "latest", page.latest());
        long next = 0;
        if (events.size() == limit) {
            long last = events.get(events.size() - 1).serial();
            boolean more = oldestFirst ? last < page.latest() : last > page.earliest();
            next = more ? last : 0;
        }
        if (next > 0) {
            g.writeStringField("next", Long.toString(next));
        } else {
            g.writeNullField("next");
        }
    }

    /** The frame's {@code event}, {@code data} (as a string) and {@code user_id} fields. */
    private static void writeFrame(JsonGenerator g, byte[] frame) throws IOException {
        String event = null;
        String data = null;
        String userId = null;
        try (JsonParser p = JSON.createParser(frame)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "event" -> event = p.getText();
                        case "user_id" -> userId = p.getText();
                        case "data" -> data = value == JsonToken.VALUE_STRING ? p.getText() : text(p);
                        default -> p.skipChildren();
                    }
                }
            }
        }
        g.writeStringField("event", event);
        g.writeStringField("data", data);
        if (userId != null) {
            g.writeStringField("user_id", userId);
        }
    }

    /** A structured value as its JSON text (a client event's data sent as an object). */
    private static String text(JsonParser p) throws IOException {
        java.io.StringWriter out = new java.io.StringWriter();
        try (JsonGenerator copy = JSON.createGenerator(out)) {
            copy.copyCurrentStructure(p);
        }
        return out.toString();
    }

    private static void serial(JsonGenerator g, String field, long serial) throws IOException {
        if (serial > 0) {
            g.writeNumberField(field, serial);
        } else {
            g.writeNullField(field);
        }
    }

    private static long number(ApiRequest request, String name, long otherwise, long min, long max) {
        String value = request.param(name);
        if (value == null) {
            return otherwise;
        }
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(
                    "'" + name + "' must be a whole number, not '" + ClientText.quote(value) + "'");
        }
        long n = Long.parseLong(value);
        if (n < min || n > max) {
            throw new IllegalArgumentException(
                    "'" + name + "' must be " + min + (max == Long.MAX_VALUE ? " or more" : ".." + max));
        }
        return n;
    }

    private static CompletionStage<ApiResponse> fail(int status, String message) {
        return completedFuture(ApiResponse.error(status, message));
    }
}
