package io.switchboard.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the user objects clients send: presence {@code channel_data} (§4.2) and sign-in {@code
 * user_data} (§4.4). A numeric user id becomes its decimal string.
 */
public final class UserPayloads {
    private static final JsonFactory JSON = new JsonFactory();

    private UserPayloads() {}

    /**
     * Presence {@code channel_data}.
     *
     * @param userInfo raw JSON text of {@code user_info}, or {@code null} when absent
     */
    public record ChannelData(String userId, String userInfo) {}

    /**
     * Sign-in {@code user_data}.
     *
     * @param userInfo raw JSON text of {@code user_info}, or {@code null}
     * @param watchlist the watched user ids, in order; empty when absent
     */
    public record UserData(String id, String userInfo, List<String> watchlist) {}

    public static ChannelData channelData(String text) throws ProtocolException {
        Parsed p = parse(text, "user_id", "channel_data");
        if (p.id == null || p.id.isEmpty()) {
            throw new ProtocolException("channel_data must contain a user_id");
        }
        return new ChannelData(p.id, p.userInfo);
    }

    public static UserData userData(String text) throws ProtocolException {
        Parsed p = parse(text, "id", "user_data");
        if (p.id == null || p.id.isEmpty()) {
            throw new ProtocolException("user_data must contain a non-empty string 'id'");
        }
        return new UserData(p.id, p.userInfo, List.copyOf(p.watchlist));
    }

    private static final class Parsed {
        String id;
        String userInfo;
        final List<String> watchlist = new ArrayList<>();
    }

    private static Parsed parse(String text, String idField, String what) throws ProtocolException {
        Parsed out = new Parsed();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException(what + " must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals(idField)) {
                    out.id = idValue(p, value, what + "." + idField);
                } else if (field.equals("user_info")) {
                    out.userInfo = value == JsonToken.VALUE_NULL ? null : copy(p);
                } else if (field.equals("watchlist") && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        out.watchlist.add(idValue(p, p.currentToken(), what + ".watchlist"));
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ProtocolException(what + " must be a single JSON object");
            }
        } catch (IOException e) {
            throw new ProtocolException(what + " is not valid JSON");
        }
        return out;
    }

    private static String idValue(JsonParser p, JsonToken value, String name) throws IOException, ProtocolException {
        return switch (value) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getBigIntegerValue().toString();
            default -> {
                p.skipChildren();
                throw new ProtocolException(name + " must be a string or an integer");
            }
        };
    }

    private static String copy(JsonParser p) throws IOException {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toString();
    }
}
