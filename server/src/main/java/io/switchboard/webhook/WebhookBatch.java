package io.switchboard.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
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
public record WebhookBatch(String id, String target, String body, long createdMillis) {
    private static final JsonFactory JSON = new JsonFactory();

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
            return new String(out.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
