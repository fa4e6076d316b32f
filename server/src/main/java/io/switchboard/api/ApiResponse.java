package io.switchboard.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A REST response: a status and a JSON body.
 *
 * @param body JSON bytes; never modified after construction
 */
public record ApiResponse(int status, byte[] body) {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] EMPTY_OBJECT = {'{', '}'};

    /** 200 with {@code {}}. */
    public static ApiResponse ok() {
        return new ApiResponse(200, EMPTY_OBJECT);
    }

    /** An error with a JSON body {@code {"error": message}}. */
    public static ApiResponse error(int status, String message) {
        return new ApiResponse(status, json(g -> g.writeStringField("error", message)));
    }

    /** Writes an object's fields. */
    public interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    /** A JSON object built by {@code fields}. */
    public static byte[] json(Fields fields) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(128)) {
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                fields.write(g);
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
