package io.switchboard.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A webhook POST waiting for delivery: its target and its exact body, stored as it will be sent so
 * the signature is computed over the same bytes after a restart.
 *
 * @param id the batch's id in its queue: a log position in the file queue, a stream entry id in
 *     Redis
 * @param target the target's key ({@link WebhookTarget#key()})
 * @param createdMillis when the batch was formed; retries give up relative to it
 */
record WebhookBatch(String id, String target, String body, long createdMillis) {
    private static final JsonFactory JSON = new JsonFactory();

    /** The size of the body as sent, in bytes. */
    int bodyBytes() {
        return utf8Length(body);
    }

    /** The number of events in the body, or -1 when it cannot be read (it is stored as sent). */
    int eventCount() {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                if (p.nextToken() == JsonToken.START_ARRAY && field.equals("events")) {
                    int count = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        count++;
                    }
                    return count;
                }
                p.skipChildren();
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The UTF-8 length of {@code s}, without encoding it. */
    static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** The body {@code {"time_ms":…,"events":[…]}}. */
    static String body(long timeMillis, List<WebhookEvent> events) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256)) {
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeNumberField("time_ms", timeMillis);
                g.writeArrayFieldStart("events");
                for (WebhookEvent e : events) {
                    e.write(g);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
