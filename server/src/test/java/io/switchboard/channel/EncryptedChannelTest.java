package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.Encryption;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** End-to-end encrypted channels (pusher-protocol.md §4.3): the server relays what it cannot read. */
class EncryptedChannelTest {
    private static final String CHANNEL = "private-encrypted-vault";

    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @Test
    void javaClientDecryptsWhatTheServerSdkEncrypted() {
        try (SdkClient client = SdkClient.connect(server, app, Encryption.auth(server, app, "u1"))) {
            client.subscribe(CHANNEL);

            Rest.trigger(Encryption.rest(server, app), CHANNEL, "secret", Map.of("pin", "1234"));

            assertThat(client.awaitEvent(CHANNEL, "secret").getData()).isEqualTo("{\"pin\":\"1234\"}");
        }
    }

    @Test
    void relaysNonceAndCiphertextUnread() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe(CHANNEL);

            Rest.trigger(Encryption.rest(server, app), CHANNEL, "secret", Map.of("pin", "1234"));

            JsonNode event = client.expect("secret", CHANNEL);
            assertThat(event.get("data").isTextual()).isTrue();
            assertThat(event.get("data").asText()).doesNotContain("1234");
            JsonNode box = RawWebSocket.data(event);
            assertThat(box.size()).isEqualTo(2);
            assertThat(Base64.getDecoder().decode(box.path("nonce").asText())).hasSize(24);
            assertThat(Encryption.decrypt(
                            CHANNEL,
                            box.path("nonce").asText(),
                            box.path("ciphertext").asText()))
                    .isEqualTo("{\"pin\":\"1234\"}");
        }
    }

    @Test
    void refusesClientEvents() {
        try (RawClient sender = RawClient.connect(server, app);
                RawClient other = RawClient.connect(server, app)) {
            sender.subscribe(CHANNEL);
            other.subscribe(CHANNEL);

            sender.trigger(CHANNEL, "client-leak", "{\"pin\":\"1234\"}");

            JsonNode error = sender.expectError();
            assertThat(error.get("code").isNull()).isTrue();
            assertThat(error.path("message").asText()).contains(CHANNEL);
            Rest.trigger(Encryption.rest(server, app), CHANNEL, "after", Map.of());
            other.expect("after", CHANNEL);
        }
    }
}
