package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Any text a client sends as a WebSocket text frame (or as one message of an {@code xhr_send} body)
 * decodes to a well-formed {@link ClientMessage} or is refused with a {@link ProtocolException}:
 * nothing else escapes the decoder. Inputs: {@code ClientMessageDecoderFuzzTestInputs/decode/}.
 */
class ClientMessageDecoderFuzzTest {
    private static final ClientMessageDecoder DECODER = new ClientMessageDecoder();

    @DictionaryEntries({
        "{\"event\":",
        "\"data\":",
        "\"channel\":",
        "\"auth\":",
        "\"channel_data\":",
        "\"user_data\":",
        "\"pusher:subscribe\"",
        "\"pusher:unsubscribe\"",
        "\"pusher:signin\"",
        "\"pusher:ping\"",
        "\"pusher:pong\"",
        "\"client-",
        "\\\"",
        "\\u0000",
        "null",
        "[]",
        "{}"
    })
    @FuzzTest
    void decode(byte[] frame) {
        // What TextWebSocketFrame.text() makes of the bytes: UTF-8, malformed sequences replaced.
        String text = new String(frame, StandardCharsets.UTF_8);
        ClientMessage message;
        try {
            message = DECODER.decode(text);
        } catch (ProtocolException e) {
            assertThat(e.getMessage()).as("the reason sent back to the client").isNotBlank();
            return;
        }
        assertWellFormed(message);
    }

    /** What {@code PusherConnection} relies on when it handles a decoded message. */
    static void assertWellFormed(ClientMessage message) {
        switch (message) {
            case ClientMessage.Ping p -> {}
            case ClientMessage.Pong p -> {}
            case ClientMessage.Subscribe s -> assertThat(s.channel()).isNotNull();
            case ClientMessage.Unsubscribe u -> assertThat(u.channel()).isNotNull();
            case ClientMessage.Signin s -> {
                assertThat(s.auth()).isNotNull();
                assertThat(s.userData()).isNotNull();
            }
            case ClientMessage.ClientEvent e -> {
                assertThat(e.event()).startsWith("client-");
                assertThat(e.channel()).isNotNull();
                assertThat(e.dataAsString()).isNotNull();
            }
            case ClientMessage.Unsupported u -> assertThat(u.event()).isNotNull();
        }
    }
}
