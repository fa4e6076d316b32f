package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.Encryption;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every channel kind of pusher-protocol.md §3, driven by the official SDKs. */
class ChannelTypesTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "news",
                "private-news",
                "presence-news",
                "private-encrypted-news",
                "cache-news",
                "private-cache-news",
                "presence-cache-news",
                "private-encrypted-cache-news"
            })
    void javaClientSubscribesAndReceivesRestEvents(String channel) {
        try (SdkClient client = SdkClient.connect(server, app, Encryption.auth(server, app, "u1"))) {
            client.subscribe(channel);

            Rest.trigger(Encryption.rest(server, app), channel, "greeting", Map.of("text", "hello"));

            assertThat(client.awaitEvent(channel, "greeting").getData()).isEqualTo("{\"text\":\"hello\"}");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "private-news",
                "presence-news",
                "private-encrypted-news",
                "private-cache-news",
                "presence-cache-news",
                "private-encrypted-cache-news"
            })
    void badSignatureIsAnAuthErrorAndKeepsTheConnection(String channel) {
        try (RawClient client = RawClient.connect(server, app)) {
            String channelData = channel.startsWith("presence-") ? RawClient.channelData("u1") : null;
            String toSign = client.socketId() + ":" + channel + (channelData == null ? "" : ":" + channelData);

            client.sendSubscribe(channel, app.key() + ":" + TestAuth.hmac("not-the-secret", toSign), channelData);

            JsonNode error = client.expectError();
            assertThat(error.get("code").isNull()).isTrue();
            assertThat(error.path("message").asText())
                    .startsWith("Invalid signature: Expected HMAC SHA256 hex digest of " + toSign);
            JsonNode subscriptionError = client.expectSubscriptionError(channel);
            assertThat(subscriptionError.path("type").asText()).isEqualTo("AuthError");
            assertThat(subscriptionError.path("status").asInt()).isEqualTo(401);
            client.subscribe("still-usable");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"private-news", "private-encrypted-news"})
    void authSignedForAnotherSocketIsRefused(String channel) {
        try (RawClient client = RawClient.connect(server, app)) {
            client.sendSubscribe(channel, client.auth("1234.1234:" + channel), null);

            assertThat(client.expectError().path("message").asText()).startsWith("Invalid signature");
            assertThat(client.expectSubscriptionError(channel).path("status").asInt())
                    .isEqualTo(401);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"private-news", "presence-news"})
    void missingAuthIsRefused(String channel) {
        try (RawClient client = RawClient.connect(server, app)) {
            client.sendSubscribe(channel, null, channel.startsWith("presence-") ? RawClient.channelData("u1") : null);

            assertThat(client.expectError().path("message").asText()).startsWith("Invalid signature");
            assertThat(client.expectSubscriptionError(channel).path("type").asText())
                    .isEqualTo("AuthError");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"private-news", "presence-news"})
    void authWithAnotherAppsKeyIsRefused(String channel) {
        try (RawClient client = RawClient.connect(server, app)) {
            String channelData = channel.startsWith("presence-") ? RawClient.channelData("u1") : null;
            String toSign = client.socketId() + ":" + channel + (channelData == null ? "" : ":" + channelData);

            client.sendSubscribe(channel, "other-key:" + TestAuth.hmac(app.secret(), toSign), channelData);

            assertThat(client.expectError().path("message").asText()).startsWith("Invalid signature");
            assertThat(client.expectSubscriptionError(channel).path("status").asInt())
                    .isEqualTo(401);
        }
    }
}
