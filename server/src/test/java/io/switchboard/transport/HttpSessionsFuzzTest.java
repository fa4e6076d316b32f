package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.switchboard.protocol.ClientMessage;
import io.switchboard.protocol.ClientMessageDecoder;
import io.switchboard.protocol.ProtocolException;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * The HTTP fallback's request parsing on any input: {@link HttpSessions#route} turns a path into a
 * session address or {@code null}, and {@link HttpSessions#messages} turns an {@code xhr_send} body
 * into message strings or an {@link IOException} (a 400), each message then decoding like a
 * WebSocket frame. Inputs: {@code HttpSessionsFuzzTestInputs/request/}.
 */
class HttpSessionsFuzzTest {
    private static final ClientMessageDecoder DECODER = new ClientMessageDecoder();
    private static final ObjectReader TREE =
            new ObjectMapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Set<String> TYPES = Set.of("xhr_streaming", "xhr_send", "xhr");

    @DictionaryEntries({"/app/", "/xhr_send", "/xhr_streaming", "/xhr", "//", "[\"", "\"]", "\\\"", "{\\\"event\\\":"})
    @FuzzTest
    void request(FuzzedDataProvider data) {
        String path = data.consumeString(256);
        HttpSessions.Route route = HttpSessions.route(path);
        if (route != null) {
            assertThat(TYPES).contains(route.type());
            assertThat(path).endsWith("/" + route.type());
            String[] parts = route.session().split("/", -1);
            assertThat(parts).hasSize(3).allSatisfy(p -> assertThat(p).isNotEmpty());
            assertThat(parts[0]).isEqualTo(route.key());
            assertThat(path).contains("/app/" + route.session() + "/" + route.type());
        }

        String body = data.consumeRemainingAsString();
        List<String> messages;
        try {
            messages = HttpSessions.messages(body);
        } catch (IOException e) {
            return;
        }
        if (body.isBlank()) {
            assertThat(messages).isEmpty();
            return;
        }
        assertThat(messages).containsExactlyElementsOf(stringsOf(body));
        for (String message : messages) {
            try {
                assertThat(DECODER.decode(message)).isInstanceOf(ClientMessage.class);
            } catch (ProtocolException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        }
    }

    /** The body as a JSON tree reads it: an array of strings. */
    private static List<String> stringsOf(String body) {
        try {
            JsonNode array = TREE.readTree(body);
            assertThat(array.isArray())
                    .as("an accepted xhr_send body is an array")
                    .isTrue();
            return java.util.stream.StreamSupport.stream(array.spliterator(), false)
                    .map(JsonNode::textValue)
                    .toList();
        } catch (IOException e) {
            throw new AssertionError("accepted an xhr_send body that is not JSON: " + e.getMessage(), e);
        }
    }
}
