package io.switchboard.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.channel.PusherEvent;
import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Client events (pusher-protocol.md §5). */
class ClientEventsTest {
    private static final String PRIVATE = "private-chat";
    private static final String PRESENCE = "presence-chat";

    private final App app = TestApps.app("a");
    private final App quiet = TestApps.withClientEvents(TestApps.app("quiet"), false);
    private final App slow = TestApps.withLimits(TestApps.app("slow"), l -> {
        l.clientEventsPerSecond = 3;
        return l;
    });
    private final App shortNames = TestApps.withLimits(TestApps.app("short"), l -> {
        l.maxEventNameLength = 12;
        return l;
    });

    @RegisterExtension
    final TestServer server = TestServer.start(app, quiet, slow, shortNames);

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(RawClient::close);
    }

    @ParameterizedTest
    @ValueSource(strings = {PRIVATE, PRESENCE, "private-cache-chat", "presence-cache-chat"})
    void reachesEveryOtherSubscriberButNotTheSender(String channel) {
        RawClient first = subscribed(app, channel, "u2");
        RawClient second = subscribed(app, channel, "u3");
        RawClient sender = subscribed(app, channel, "u1");

        sender.trigger(channel, "client-typing", "{\"on\":true}");

        for (RawClient receiver : List.of(first, second)) {
            JsonNode event = receiver.await("client-typing");
            assertThat(event.path("channel").asText()).isEqualTo(channel);
            assertThat(event.get("data").isObject()).as("data relayed as sent").isTrue();
            assertThat(event.path("data").path("on").asBoolean()).isTrue();
        }
        fence(app, channel);
        sender.expect("fence", channel);
    }

    @Test
    void presenceEventsCarryTheSendersUserId() {
        RawClient sender = subscribed(app, PRESENCE, "u1");
        RawClient receiver = subscribed(app, PRESENCE, "u2");

        sender.trigger(PRESENCE, "client-typing", "\"plain string\"");

        JsonNode event = receiver.expect("client-typing", PRESENCE);
        assertThat(event.path("user_id").asText()).isEqualTo("u1");
        assertThat(event.path("data").asText()).isEqualTo("plain string");
    }

    @Test
    void privateEventsCarryNoUserId() {
        RawClient sender = subscribed(app, PRIVATE, "u1");
        RawClient receiver = subscribed(app, PRIVATE, "u2");

        sender.trigger(PRIVATE, "client-typing", "{}");

        assertThat(receiver.expect("client-typing", PRIVATE).has("user_id")).isFalse();
    }

    @Test
    void javaClientsExchangeClientEvents() {
        try (SdkClient ann = SdkClient.connect(server, app, TestAuth.of(server, app, "ann"));
                SdkClient bob = SdkClient.connect(server, app, TestAuth.of(server, app, "bob"))) {
            ann.subscribe(PRESENCE);
            bob.subscribe(PRESENCE);

            ann.trigger(PRESENCE, "client-wave", "{\"hand\":\"left\"}");

            PusherEvent event = bob.awaitEvent(PRESENCE, "client-wave");
            assertThat(event.getUserId()).isEqualTo("ann");
            assertThat(event.getData()).isEqualTo("{\"hand\":\"left\"}");
        }
    }

    @Test
    void namesWithoutTheClientPrefixAreRefused() {
        RawClient sender = subscribed(app, PRIVATE, "u1");

        sender.trigger(PRIVATE, "typing", "{}");

        assertThat(sender.expectError().get("code").isNull()).isTrue();
        sender.expectOnlyPong();
    }

    @ParameterizedTest
    @ValueSource(strings = {"public-chat", "cache-chat"})
    void publicChannelsRefuseClientEvents(String channel) {
        RawClient sender = subscribed(app, channel, "u1");
        RawClient other = subscribed(app, channel, "u2");

        sender.trigger(channel, "client-typing", "{}");

        assertRefusedAndNotDelivered(sender, other, channel);
    }

    @Test
    void notSubscribedSenderIsRefused() {
        RawClient sender = connect(app);
        RawClient other = subscribed(app, PRIVATE, "u2");

        sender.trigger(PRIVATE, "client-typing", "{}");

        assertRefusedAndNotDelivered(sender, other, PRIVATE);
    }

    @Test
    void appWithClientEventsOffRefusesThem() {
        RawClient sender = subscribed(quiet, PRIVATE, "u1");

        sender.trigger(PRIVATE, "client-typing", "{}");

        JsonNode error = sender.expectError();
        assertThat(error.get("code").isNull()).isTrue();
        assertThat(error.path("message").asText()).startsWith("To send client events");
    }

    @Test
    void namesOverTheEventNameLimitAreRefusedAndNotDelivered() {
        RawClient sender = subscribed(shortNames, PRIVATE, "u1");
        RawClient other = subscribed(shortNames, PRIVATE, "u2");

        sender.trigger(PRIVATE, "client-12345", "{}"); // 12 characters: at the limit
        other.expect("client-12345", PRIVATE);
        sender.trigger(PRIVATE, "client-123456", "{}");

        JsonNode error = sender.expectError();
        assertThat(error.get("code").isNull()).isTrue();
        assertThat(error.path("message").asText()).isEqualTo("Event name is longer than 12 characters");
        sender.expectOnlyPong();
        fence(shortNames, PRIVATE);
        other.expect("fence", PRIVATE);
    }

    @Test
    void dataOverThePayloadLimitIsRefused() {
        RawClient sender = subscribed(app, PRIVATE, "u1");
        RawClient other = subscribed(app, PRIVATE, "u2");

        sender.trigger(PRIVATE, "client-big", "\"" + "x".repeat(11 * 1024) + "\"");

        assertRefusedAndNotDelivered(sender, other, PRIVATE);
    }

    @Test
    void eventsOverTheRateLimitAreAnsweredWith4301AndTheConnectionStays() {
        assertRateLimited(slow, 3);
    }

    @Test
    void defaultRateLimitIsTenPerSecond() {
        assertRateLimited(app, 10);
    }

    /**
     * Sends twice {@code perSecond} events in one write, so the server takes them at once: exactly
     * a second's worth is relayed, in order, each of the others is answered with 4301, and the
     * sender stays connected.
     */
    private void assertRateLimited(App target, int perSecond) {
        RawClient sender = subscribed(target, PRIVATE, "u1");
        RawClient other = subscribed(target, PRIVATE, "u2");

        List<String> burst = new ArrayList<>();
        for (int i = 0; i < 2 * perSecond; i++) {
            burst.add("{\"event\":\"client-tick\",\"channel\":\"" + PRIVATE + "\",\"data\":{\"n\":" + i + "}}");
        }
        burst.add("{\"event\":\"pusher:ping\"}");
        sender.ws().sendTextsAtOnce(burst);
        for (int i = 0; i < perSecond; i++) {
            JsonNode error = sender.expectError();
            assertThat(error.path("code").asInt()).isEqualTo(4301);
            assertThat(error.path("message").asText())
                    .isEqualTo("Client event rejected due to rate limit (" + perSecond + " per second)");
        }
        sender.expect("pusher:pong");

        for (int i = 0; i < perSecond; i++) {
            assertThat(other.expect("client-tick", PRIVATE)
                            .path("data")
                            .path("n")
                            .asInt())
                    .isEqualTo(i);
        }
        fence(target, PRIVATE);
        other.expect("fence", PRIVATE);
        sender.expect("fence", PRIVATE);
        sender.expectOnlyPong();
    }

    private void assertRefusedAndNotDelivered(RawClient sender, RawClient other, String channel) {
        JsonNode error = sender.expectError();
        assertThat(error.get("code").isNull()).isTrue();
        sender.expectOnlyPong();
        fence(app, channel);
        other.expect("fence", channel);
    }

    private RawClient connect(App target) {
        RawClient client = RawClient.connect(server, target);
        clients.add(client);
        return client;
    }

    /** A client subscribed to {@code channel}, as {@code userId} on presence channels. */
    private RawClient subscribed(App target, String channel, String userId) {
        RawClient client = connect(target);
        if (channel.startsWith("presence-")) {
            client.joinAs(channel, userId);
        } else {
            client.subscribe(channel);
        }
        if (channel.contains("cache-")) {
            client.expect("pusher:cache_miss", channel);
        }
        return client;
    }

    private void fence(App target, String channel) {
        Rest.trigger(server.rest(target), channel, "fence", Map.of());
    }
}
