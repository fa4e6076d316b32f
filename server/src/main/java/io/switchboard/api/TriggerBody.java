package io.switchboard.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the bodies of {@code POST /events} and {@code POST /batch_events} with the streaming
 * parser. {@code data} that is not a string is kept as its JSON text.
 */
final class TriggerBody {
    private static final JsonFactory JSON = new JsonFactory();

    private TriggerBody() {}

    /** One event to trigger; {@code channels} holds {@code channel} when that form was used. */
    record Event(String name, String data, List<String> channels, String socketId, String info) {}

    /** A body that cannot be used; the message goes back with 400. */
    static final class BadBody extends Exception {
        private static final long serialVersionUID = 1L;

        BadBody(String message) {
            super(message, null, false, false);
        }
    }

    static Event event(byte[] body) throws BadBody {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadBody("Request body must be a JSON object");
            }
            Event e = readEvent(p);
            if (p.nextToken() != null) {
                throw new BadBody("Request body must be a single JSON object");
            }
            return e;
        } catch (IOException e) {
            throw new BadBody("Request body is not valid JSON");
        }
    }

    static List<Event> batch(byte[] body) throws BadBody {
        List<Event> events = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadBody("Request body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("batch")) {
                    if (value != JsonToken.START_ARRAY) {
                        throw new BadBody("'batch' must be an array of events");
                    }
                    events = new ArrayList<>();
                    JsonToken item;
                    while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (item != JsonToken.START_OBJECT) {
                            throw new BadBody("Each batch entry must be an object");
                        }
                        events.add(readEvent(p));
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new BadBody("Request body must be a single JSON object");
            }
        } catch (IOException e) {
            throw new BadBody("Request body is not valid JSON");
        }
        if (events == null) {
            throw new BadBody("Request body needs a 'batch' array");
        }
        return events;
    }

    /** Reads one event object; the parser is on its START_OBJECT and ends on its END_OBJECT. */
    private static Event readEvent(JsonParser p) throws IOException, BadBody {
        String name = null;
        String data = null;
        List<String> channels = null;
        String channel = null;
        String socketId = null;
        String info = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = string(p, value, "name");
                case "data" -> data = value == JsonToken.VALUE_STRING ? p.getText() : copy(p);
                case "channel" -> channel = string(p, value, "channel");
                case "channels" -> {
                    if (value != JsonToken.START_ARRAY) {
                        throw new BadBody("'channels' must be an array of strings");
                    }
                    channels = new ArrayList<>();
                    JsonToken item;
                    while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
                        channels.add(string(p, item, "channels[]"));
                    }
                }
                case "socket_id" -> socketId = string(p, value, "socket_id");
                case "info" -> info = string(p, value, "info");
                default -> p.skipChildren();
            }
        }
        if (channels == null) {
            channels = channel == null ? List.of() : List.of(channel);
        } else if (channel != null) {
            channels.add(channel);
        }
        return new Event(name, data, channels, socketId, info);
    }

    private static String string(JsonParser p, JsonToken value, String field) throws IOException, BadBody {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw new BadBody("'" + field + "' must be a string");
        }
        return p.getText();
    }

    private static String copy(JsonParser p) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toString();
    }
}
