package io.switchboard.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringWriter;

/**
 * Decodes client frames with Jackson's streaming parser (no JSON tree). Thread-safe.
 *
 * <p>{@code data} of {@code pusher:*} events is accepted both as an object and as a string holding
 * JSON (pusher-protocol.md §1.3).
 */
public final class ClientMessageDecoder {
    private final JsonFactory json;

    public ClientMessageDecoder() {
        this.json = JsonFactory.builder()
                .streamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(64).build())
                .build();
    }

    public ClientMessage decode(String text) throws ProtocolException {
        String event = null;
        String channel = null;
        String dataJson = null;
        try (JsonParser p = json.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException("Frame must be a JSON object");
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "event" -> event = stringValue(p, value, "event");
                    case "channel" -> channel = stringValue(p, value, "channel");
                    case "data" -> dataJson = copy(p);
                    default -> p.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ProtocolException("Frame must be a single JSON object");
            }
        } catch (IOException e) {
            throw new ProtocolException("Invalid JSON");
        }
        if (event == null) {
            throw new ProtocolException("Frame has no 'event'");
        }
        return switch (event) {
            case "pusher:ping" -> new ClientMessage.Ping();
            case "pusher:pong" -> new ClientMessage.Pong();
            case "pusher:subscribe" -> subscribe(dataJson);
            case "pusher:unsubscribe" -> unsubscribe(dataJson);
            case "pusher:signin" -> signin(dataJson);
            default -> {
                if (event.startsWith("client-")) {
                    if (channel == null) {
                        throw new ProtocolException("Client event " + ClientText.quote(event) + " has no 'channel'");
                    }
                    yield new ClientMessage.ClientEvent(event, channel, dataJson);
                }
                yield new ClientMessage.Unsupported(event);
            }
        };
    }

    private ClientMessage subscribe(String dataJson) throws ProtocolException {
        Fields f = fields(dataJson, "pusher:subscribe");
        if (f.channel == null) {
            throw new ProtocolException("pusher:subscribe needs data.channel");
        }
        return new ClientMessage.Subscribe(f.channel, f.auth, f.channelData, f.resumeAfter);
    }

    private ClientMessage unsubscribe(String dataJson) throws ProtocolException {
        Fields f = fields(dataJson, "pusher:unsubscribe");
        if (f.channel == null) {
            throw new ProtocolException("pusher:unsubscribe needs data.channel");
        }
        return new ClientMessage.Unsubscribe(f.channel);
    }

    private ClientMessage signin(String dataJson) throws ProtocolException {
        Fields f = fields(dataJson, "pusher:signin");
        if (f.auth == null || f.userData == null) {
            throw new ProtocolException("pusher:signin needs data.auth and data.user_data");
        }
        return new ClientMessage.Signin(f.auth, f.userData);
    }

    /** The string fields of a {@code pusher:*} data object, which may itself arrive as a string. */
    private Fields fields(String dataJson, String event) throws ProtocolException {
        if (dataJson == null) {
            throw new ProtocolException(event + " needs a 'data' object");
        }
        try (JsonParser p = json.createParser(dataJson)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.VALUE_STRING) {
                return fields(unwrapString(p.getText(), event), event);
            }
            if (first != JsonToken.START_OBJECT) {
                throw new ProtocolException(event + " 'data' must be an object");
            }
            Fields f = new Fields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "channel" -> f.channel = stringValue(p, value, "data.channel");
                    case "auth" -> f.auth = stringValue(p, value, "data.auth");
                    case "channel_data" -> f.channelData = stringValue(p, value, "data.channel_data");
                    case "user_data" -> f.userData = stringValue(p, value, "data.user_data");
                    case "resume_after" -> f.resumeAfter = serial(p, value);
                    default -> p.skipChildren();
                }
            }
            return f;
        } catch (IOException e) {
            throw new ProtocolException(event + " 'data' is not valid JSON");
        }
    }

    private static String unwrapString(String inner, String event) throws ProtocolException {
        String trimmed = inner.strip();
        if (!trimmed.startsWith("{")) {
            throw new ProtocolException(event + " 'data' must be an object");
        }
        return trimmed;
    }

    private static String stringValue(JsonParser p, JsonToken value, String name)
            throws IOException, ProtocolException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            p.skipChildren();
            throw new ProtocolException("'" + name + "' must be a string");
        }
        return p.getText();
    }

    private String copy(JsonParser p) throws IOException {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toString();
    }

    private static final class Fields {
        String channel;
        String auth;
        String channelData;
        String userData;
        long resumeAfter = -1;
    }

    /** Serials are below 2^53, so that JavaScript reads them exactly. */
    static final long MAX_SERIAL = (1L << 53) - 1;

    /**
     * {@code resume_after}: a whole number from 0 to 2^53-1, or a string of its digits; null is
     * absent.
     */
    private static long serial(JsonParser p, JsonToken value) throws IOException, ProtocolException {
        long serial;
        if (value == JsonToken.VALUE_NULL) {
            return -1;
        } else if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            serial = p.getLongValue();
        } else if (value == JsonToken.VALUE_STRING
                && !p.getText().isEmpty()
                && p.getText().length() <= 16
                && p.getText().chars().allMatch(c -> c >= '0' && c <= '9')) {
            serial = Long.parseLong(p.getText());
        } else {
            p.skipChildren();
            serial = -1;
        }
        if (serial < 0 || serial > MAX_SERIAL) {
            throw new ProtocolException(
                    "'data.resume_after' must be the serial of an event received on the channel: a whole number"
                            + " from 0 to 9007199254740991, or a string of its digits",
                    ErrorCodes.INVALID_RESUME_AFTER);
        }
        return serial;
    }
}
