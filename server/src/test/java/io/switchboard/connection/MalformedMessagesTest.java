package io.switchboard.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Messages the server cannot use get a non-fatal error and hurt no one (pusher-protocol.md §2.1). */
class MalformedMessagesTest {
    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(app, other);

    private final Bystanders bystanders = new Bystanders(server, app, other);

    @AfterEach
    void stop() {
        bystanders.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "not json",
                "",
                "[1,2]",
                "\"pusher:ping\"",
                "{\"event\":\"pusher:ping\"",
                "{\"event\":\"pusher:ping\"} {}",
                "{\"data\":{}}",
                "{\"event\":42,\"data\":{}}",
                "{\"event\":\"pusher:subscribe\"}",
                "{\"event\":\"pusher:subscribe\",\"data\":42}",
                "{\"event\":\"pusher:subscribe\",\"data\":\"not json\"}",
                "{\"event\":\"pusher:subscribe\",\"data\":{}}",
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":[\"news\"]}}",
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-x\",\"auth\":{}}}",
                "{\"event\":\"pusher:unsubscribe\",\"data\":{}}",
                "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"a-key:00\"}}",
                "{\"event\":\"client-typing\",\"data\":{}}"
            })
    void unusableMessageIsANonFatalError(String message) {
        try (RawClient client = RawClient.connect(server, app)) {
            client.send(message);

            JsonNode error = client.expectError();
            assertThat(error.get("code").isNull()).isTrue();
            assertThat(error.path("message").asText()).isNotBlank();
            client.subscribe("still-usable");
            bystanders.stillReceiveEvents();
        }
    }

    /** What the client sent is quoted in an error message, but never more than 64 characters of it. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"event\":\"LONG\"}",
                "{\"event\":\"client-LONG\",\"data\":{}}",
                "{\"event\":\"client-typing\",\"channel\":\"LONG\",\"data\":{}}",
                "{\"event\":\"client-typing\",\"channel\":\"private-LONG\",\"data\":{}}",
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-x\",\"auth\":\"a-key:LONG\"}}",
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-x\",\"auth\":\"\","
                        + "\"channel_data\":\"LONG\"}}"
            })
    void clientTextInAnErrorIsCutTo64Characters(String template) {
        String sent = "x".repeat(60_000);
        try (RawClient client = RawClient.connect(server, app)) {
            client.send(template.replace("LONG", sent));

            String message = client.expectError().path("message").asText();
            assertThat(message).contains("x".repeat(50) + "\u2026").doesNotContain("x".repeat(65));
            assertThat(message.length()).isLessThan(250);
            client.send("{\"event\":\"pusher:ping\"}").await("pusher:pong"); // past a subscription_error
            client.subscribe("still-usable");
            bystanders.stillReceiveEvents();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"my channel", "#foo", "#server-to-user-", "news!", "ünïcode"})
    void invalidChannelNameIsASubscriptionError(String channel) {
        assertInvalidChannel(channel);
    }

    @ParameterizedTest
    @ValueSource(ints = {201, 1000})
    void overlongChannelNameIsASubscriptionError(int length) {
        assertInvalidChannel("c".repeat(length));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 200})
    void channelNamesUpToTheLimitAreAccepted(int length) {
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("c".repeat(length));
        }
    }

    private void assertInvalidChannel(String channel) {
        try (RawClient client = RawClient.connect(server, app)) {
            client.sendSubscribe(channel);

            assertThat(client.expectError().get("code").isNull()).isTrue();
            assertThat(client.expectSubscriptionError(channel).path("status").asInt())
                    .isEqualTo(400);
            client.subscribe("still-usable");
            bystanders.stillReceiveEvents();
        }
    }
}
