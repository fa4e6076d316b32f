package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.data.Validity;
import io.switchboard.app.App;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.WebhookSettings;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhooksTest {
    @TempDir
    Path dataDir;

    private final WebhookReceiver receiver = WebhookReceiver.start();
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receiver.close();
    }

    private WebhookSettings settings(int removalDelayMs) {
        return new WebhookSettings(20, 50, removalDelayMs, 2000, 100, 200, 60, dataDir.toString(), "always");
    }

    private App app(App.Webhook... hooks) {
        return TestApps.withWebhooks(TestApps.app("a"), hooks);
    }

    private TestServer start(App app, int removalDelayMs) {
        return TestServer.start(
                SwitchboardConfig.of(TestServer.settings(), List.of(app)).withWebhooks(settings(removalDelayMs)));
    }

    @Test
    void occupiedAndVacatedArriveOnceSignedAndInPusherFormat() {
        App app = app(TestApps.webhook(receiver.url()));
        server = start(app, 100);
        try (RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.subscribe("news");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.eventNames().contains("channel_occupied"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.eventNames().contains("channel_vacated"));
        assertThat(receiver.eventNames()).containsExactly("channel_occupied", "channel_vacated");
        for (WebhookReceiver.Request r : receiver.requests()) {
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.header("X-Pusher-Key")).isEqualTo(app.key());
            assertThat(server.rest(app)
                            .validateWebhookSignature(
                                    r.header("X-Pusher-Key"), r.header("X-Pusher-Signature"), r.body()))
                    .isEqualTo(Validity.VALID);
            assertThat(r.json().path("time_ms").asLong()).isPositive();
        }
        assertThat(receiver.events().get(0).path("channel").asText()).isEqualTo("news");
    }

    @Test
    void presenceClientEventsAndCacheMissesAreReported() throws Exception {
        App app = app(TestApps.webhook(receiver.url()));
        server = start(app, 100);
        var pusher = server.client(app, TestAuth.of(server, app, "u1"));
        try (RawWebSocket other = server.raw(app)) {
            other.established();
            other.subscribe("cache-prices");
            var channel = pusher.subscribePresence("presence-room");
            pusher.connect();
            await().atMost(Duration.ofSeconds(10)).until(channel::isSubscribed);
            channel.trigger("client-typing", "{\"on\":true}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            receiver.eventNames().containsAll(List.of("member_added", "client_event", "cache_miss")));
            pusher.disconnect();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.eventNames().contains("member_removed"));
        }
        JsonNode added = find("member_added");
        assertThat(added.path("channel").asText()).isEqualTo("presence-room");
        assertThat(added.path("user_id").asText()).isEqualTo("u1");
        JsonNode client = find("client_event");
        assertThat(client.path("event").asText()).isEqualTo("client-typing");
        assertThat(client.path("data").asText()).isEqualTo("{\"on\":true}");
        assertThat(client.path("user_id").asText()).isEqualTo("u1");
        assertThat(client.path("socket_id").asText()).matches("\\d+\\.\\d+");
        assertThat(find("cache_miss").path("channel").asText()).isEqualTo("cache-prices");
        assertThat(receiver.eventNames().stream().filter("member_added"::equals))
                .hasSize(1);
    }

    @Test
    void quickReconnectWithinTheRemovalDelaySendsNeitherRemovalNorReAdd() {
        App app = app(TestApps.webhook(receiver.url()));
        server = start(app, 1500);
        try (RawWebSocket keeper = server.raw(app)) {
            keeper.established();
            keeper.subscribe("other");
            RawWebSocket first = server.raw(app);
            first.established();
            first.subscribe("room");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.eventNames().stream()
                                    .filter("channel_occupied"::equals)
                                    .count()
                            == 2);
            first.close();
            try (RawWebSocket second = server.raw(app)) {
                second.established();
                second.subscribe("room"); // back within 1.5 s
                keeper.subscribe("later");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> receiver.events().stream()
                                .anyMatch(e -> e.path("channel").asText().equals("later")));
            }
        }
        assertThat(receiver.events().stream()
                        .filter(e -> e.path("channel").asText().equals("room"))
                        .map(e -> e.path("name").asText()))
                .containsExactly("channel_occupied");
    }

    @Test
    void quickPresenceReconnectSendsNeitherMemberRemovedNorMemberAddedAgain() {
        App app = app(TestApps.webhook(receiver.url()));
        server = start(app, 1500);
        try (RawWebSocket keeper = server.raw(app)) {
            joinPresence(app, keeper, "presence-room", "keeper");
            RawWebSocket first = server.raw(app);
            joinPresence(app, first, "presence-room", "u1");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.events().stream()
                                    .filter(e -> e.path("name").asText().equals("member_added"))
                                    .count()
                            == 2);
            first.close(); // a page reload: the same user is back within 1.5 s
            try (RawWebSocket second = server.raw(app)) {
                joinPresence(app, second, "presence-room", "u1");
                keeper.subscribe("fence");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> receiver.events().stream()
                                .anyMatch(e -> e.path("channel").asText().equals("fence")));
                // the held-back removal would have been due 1.5 s after the close: let a fence
                // event pass after that moment too
                await().pollDelay(Duration.ofMillis(1800))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> true);
                keeper.subscribe("fence-2");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> receiver.events().stream()
                                .anyMatch(e -> e.path("channel").asText().equals("fence-2")));
            }
        }
        assertThat(receiver.events().stream()
                        .filter(e -> e.path("user_id").asText().equals("u1"))
                        .map(e -> e.path("name").asText()))
                .containsExactly("member_added");
    }

    private static void joinPresence(App app, RawWebSocket ws, String channel, String userId) {
        String socketId = ws.established();
        String data = "{\"user_id\":\"" + userId + "\"}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), socketId + ":" + channel + ":" + data);
        ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\"" + auth
                + "\",\"channel_data\":\"" + data.replace("\"", "\\\"") + "\"}}");
        ws.awaitEvent("pusher_internal:subscription_succeeded");
    }

    @Test
    void filtersByEventTypeAndChannelPrefix() {
        App app = app(new App.Webhook(receiver.url(), List.of("channel_occupied"), "private-", Map.of()));
        server = start(app, 0);
        try (RawWebSocket ws = server.raw(app)) {
            subscribePrivate(app, ws, "private-x");
            ws.subscribe("public-news");
        }
        // Events are delivered in order: once private-y's arrives, whatever the closed socket
        // caused (vacated on both channels) has been decided too.
        try (RawWebSocket ws = server.raw(app)) {
            subscribePrivate(app, ws, "private-y");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.events().stream()
                            .anyMatch(e -> e.path("channel").asText().equals("private-y")));
        }
        assertThat(receiver.events().stream()
                        .map(e -> e.path("name").asText() + " "
                                + e.path("channel").asText()))
                .containsExactly("channel_occupied private-x", "channel_occupied private-y");
    }

    private static void subscribePrivate(App app, RawWebSocket ws, String channel) {
        String socketId = ws.established();
        ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\"" + app.key()
                + ":" + TestAuth.hmac(app.secret(), socketId + ":" + channel) + "\"}}");
        ws.awaitEvent("pusher_internal:subscription_succeeded");
    }

    @Test
    void retriesAfterServerErrorsUntilDelivered() {
        App app = app(TestApps.webhook(receiver.url()));
        receiver.failNext(500, 503);
        server = start(app, 0);
        try (RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.subscribe("news");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> receiver.eventNames().contains("channel_occupied"));
        }
        assertThat(server.server().webhooks().stats("a").retried()).isGreaterThanOrEqualTo(2);
        assertThat(receiver.eventNames().stream().filter("channel_occupied"::equals))
                .hasSize(1);
    }

    @Test
    void undeliveredWebhooksSurviveAGracefulRestart() {
        int port = receiver.port();
        receiver.close(); // the receiver is down
        App app = app(new App.Webhook("http://127.0.0.1:" + port + "/hooks", List.of(), "", Map.of()));
        server = start(app, 0);
        try (RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.subscribe("news");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> server.server().webhooks().stats("a").retried() >= 1);
        }
        server.close();
        server = null;
        try (WebhookReceiver back = WebhookReceiver.start(port)) {
            server = start(app, 0);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> back.eventNames().containsAll(List.of("channel_occupied", "channel_vacated")));
            assertThat(back.eventNames()).containsExactly("channel_occupied", "channel_vacated");
        }
    }

    private JsonNode find(String name) {
        return receiver.events().stream()
                .filter(e -> e.path("name").asText().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
