package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.util.List;

/**
 * Any body of {@code POST /events} or {@code POST /batch_events} parses to events or is refused
 * with {@link TriggerBody.BadBody} (a 400); what is accepted is a JSON object whose string fields
 * read as a JSON tree reads them. Inputs: {@code TriggerBodyFuzzTestInputs/parse/}.
 */
class TriggerBodyFuzzTest {
    private static final ObjectReader TREE =
            new ObjectMapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @DictionaryEntries({
        "\"name\":",
        "\"data\":",
        "\"channel\":",
        "\"channels\":[",
        "\"socket_id\":",
        "\"info\":",
        "\"batch\":[",
        "\"user_count,subscription_count\"",
        "\"123.456\"",
        "null",
        "\\u00e9",
        "1e400"
    })
    @FuzzTest
    void parse(byte[] body) {
        try {
            TriggerBody.Event event = TriggerBody.event(body);
            assertMatchesTree(event, tree(body));
        } catch (TriggerBody.BadBody e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            List<TriggerBody.Event> events = TriggerBody.batch(body);
            JsonNode batch = tree(body).get("batch");
            assertThat(batch.isArray()).as("'batch' of an accepted body").isTrue();
            assertThat(events).hasSize(batch.size());
            for (int i = 0; i < events.size(); i++) {
                assertMatchesTree(events.get(i), batch.get(i));
            }
        } catch (TriggerBody.BadBody e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    private static void assertMatchesTree(TriggerBody.Event event, JsonNode object) {
        assertThat(object.isObject()).as("an accepted event is a JSON object").isTrue();
        assertThat(event.name()).isEqualTo(text(object, "name"));
        assertThat(event.socketId()).isEqualTo(text(object, "socket_id"));
        assertThat(event.info()).isEqualTo(text(object, "info"));
        assertThat(event.channels()).isNotNull();
        String channel = text(object, "channel");
        if (channel != null) {
            assertThat(event.channels()).endsWith(channel);
        }
        JsonNode data = object.get("data");
        if (data == null || data.isNull()) {
            assertThat(event.data()).isIn(null, "null");
        } else if (data.isTextual()) {
            assertThat(event.data()).isEqualTo(data.textValue());
        } else {
            assertThat(event.data()).isNotNull();
        }
    }

    private static String text(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value == null || value.isNull() ? null : value.textValue();
    }

    private static JsonNode tree(byte[] body) {
        try {
            return TREE.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("accepted a body that is not JSON: " + e.getMessage(), e);
        }
    }
}
