package io.switchboard.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The lines of {@link FileWebhookQueue}'s log, one JSON object each:
 *
 * <pre>
 * {"op":"add","id":7,"target":"1001 https://example.com/hooks","created":1764079200000,"body":"{…}"}
 * {"op":"ack","id":7}
 * </pre>
 *
 * An {@code ack} follows its {@code add} and ends the batch, whether it was delivered, given up or
 * dropped.
 */
final class WebhookLogLines {
    private static final JsonFactory JSON = new JsonFactory();

    private WebhookLogLines() {}

    /** One parsed line; {@code target} and {@code body} are null on an {@code ack}. */
    record Line(String op, long id, String target, long createdMillis, String body) {
        boolean isAdd() {
            return "add".equals(op) && target != null && body != null;
        }

        boolean isAck() {
            return "ack".equals(op);
        }
    }

    /** The line adding a batch, newline included. */
    static byte[] add(long id, String target, long createdMillis, String body) {
        return line(g -> {
            g.writeStringField("op", "add");
            g.writeNumberField("id", id);
            g.writeStringField("target", target);
            g.writeNumberField("created", createdMillis);
            g.writeStringField("body", body);
        });
    }

    /** The line ending a batch, newline included. */
    static byte[] ack(long id) {
        return line(g -> {
            g.writeStringField("op", "ack");
            g.writeNumberField("id", id);
        });
    }

    /** @throws IOException when the line is not one object (e.g. cut short by a crash) */
    static Line parse(String text) throws IOException {
        try (JsonParser p = JSON.createParser(text)) {
            String op = null;
            String target = null;
            String body = null;
            long id = 0;
            long created = 0;
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "op" -> op = p.getText();
                    case "id" -> id = p.getLongValue();
                    case "target" -> target = p.getText();
                    case "created" -> created = p.getLongValue();
                    case "body" -> body = p.getText();
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IOException("not one complete object");
            }
            return new Line(op, id, target, created, body);
        }
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] line(Fields fields) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256)) {
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                fields.write(g);
                g.writeEndObject();
            }
            out.write('\n');
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
