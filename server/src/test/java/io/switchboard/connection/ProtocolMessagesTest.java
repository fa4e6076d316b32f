package io.switchboard.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code pusher:*} messages of pusher-protocol.md §1.4 and §2. */
class ProtocolMessagesTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"event\":\"pusher:ping\",\"data\":{}}",
                "{\"event\":\"pusher:ping\"}",
                "{\"event\":\"pusher:ping\",\"data\":\"{}\"}"
            })
    void pingIsAnsweredWithPong(String ping) {
        try (RawClient client = RawClient.connect(server, app)) {
            client.send(ping);

            JsonNode pong = client.expect("pusher:pong");
            assertThat(pong.get("data").isTextual()).isTrue();
            assertThat(pong.get("data").asText()).isEqualTo("{}");
        }
    }

    @Test
    void pongFromTheClientNeedsNoAnswer() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.send("{\"event\":\"pusher:pong\",\"data\":{}}");

            client.expectOnlyPong();
        }
    }

    @Test
    void unknownEventIsANonFatalError() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.send("{\"event\":\"pusher:dance\",\"data\":{}}");

            JsonNode error = client.expectError();
            assertThat(error.has("code")).isTrue();
            assertThat(error.get("code").isNull()).isTrue();
            assertThat(error.path("message").asText()).contains("pusher:dance");
            client.subscribe("news");
        }
    }

    @Test
    void subscribeAcceptsDataAsAJsonString() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.send("{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"news\\\"}\"}");

            JsonNode succeeded = client.expectSubscribed("news");
            assertThat(succeeded.get("data").asText()).isEqualTo("{}");
        }
    }

    @Test
    void duplicateSubscribeIsAnErrorAndKeepsTheSubscription() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("news");

            client.sendSubscribe("news");

            JsonNode error = client.expectError();
            assertThat(error.get("code").isNull()).isTrue();
            assertThat(error.path("message").asText()).isEqualTo("Existing subscription to channel news");
            Rest.trigger(server.rest(app), "news", "headline", Map.of());
            client.expect("headline", "news");
            client.expectOnlyPong();
        }
    }

    @Test
    void unsubscribeStopsDeliveryWithoutAReply() {
        try (RawClient leaving = RawClient.connect(server, app);
                RawClient staying = RawClient.connect(server, app)) {
            leaving.subscribe("news");
            leaving.subscribe("sport");
            staying.subscribe("news");

            leaving.unsubscribe("news");
            leaving.expectOnlyPong();

            Rest.trigger(server.rest(app), "news", "headline", Map.of());
            Rest.trigger(server.rest(app), "sport", "score", Map.of());
            staying.expect("headline", "news");
            leaving.expect("score", "sport");
        }
    }

    @Test
    void unsubscribingFromAChannelNotSubscribedDoesNothing() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.unsubscribe("news");

            client.expectOnlyPong();
        }
    }

    @Test
    void resubscribingAfterUnsubscribeWorks() {
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("news");
            client.unsubscribe("news");

            client.subscribe("news");

            Rest.trigger(server.rest(app), "news", "headline", Map.of());
            client.expect("headline", "news");
            client.expectOnlyPong();
        }
    }
}
