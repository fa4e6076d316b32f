package io.switchboard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.DashboardSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.DashboardClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The debug console over HTTP, as the page reads it: what it shows of each kind of event, its
 * filters, its rate per viewer with the count of what it left out, and its caps.
 */
class DebugConsoleTest {
    private static final String TOKEN = "console-test-token-0123";
    private static final int VIEWER_RATE = 20;
    private static WebhookReceiver receiver;
    private static App app;
    private static final App other = TestApps.app("other");
    private static TestServer server;
    private DashboardClient dashboard;

    @BeforeAll
    static void start() {
        receiver = WebhookReceiver.start();
        app = TestApps.withWebhooks(TestApps.app("con"), TestApps.webhook(receiver.url()));
        DashboardSettings d = new DashboardSettings(true, "", "", 60, 4, 3, VIEWER_RATE, 500, 60);
        server = TestServer.start(SwitchboardConfig.of(TestServer.settings(), List.of(app, other))
                .withAdmin(new AdminSettings(true, "127.0.0.1", 0, TOKEN, d)));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @AfterEach
    void closeStreams() {
        if (dashboard != null) {
            dashboard.close();
        }
    }

    private DashboardClient loggedIn() {
        dashboard = DashboardClient.of(server);
        assertThat(dashboard.loginWithToken(TOKEN).status()).isEqualTo(303);
        return dashboard;
    }

    @Test
    void showsConnectionsSubscriptionsEventsWebhooksAndErrorsAsTheyHappen() {
        DashboardClient.Stream console = loggedIn().console(app.id(), "");
        assertThat(console.status()).isEqualTo(200);
        Awaitility.await()
                .atMost(DashboardClient.WAIT)
                .until(() -> console.rawLines().contains("retry: 5000"));

        try (RawWebSocket alice = server.raw(app);
                RawWebSocket bob = server.raw(app)) {
            String aliceId = alice.established();
            String bobId = bob.established();
            JsonNode opened = console.await("connection", "socket_id", aliceId);
            assertThat(opened.path("transport").asText()).isEqualTo("websocket");
            assertThat(opened.path("protocol").asInt()).isEqualTo(7);
            assertThat(opened.path("client").asText()).isEqualTo("js");
            assertThat(opened.path("node").asText()).isEqualTo("test");

            alice.subscribe("news");
            console.await("subscribed", "socket_id", aliceId);
            console.await("occupied", "channel", "news");
            JsonNode hook = console.await(
                    "webhook delivered",
                    e -> e.path("type").asText().equals("webhook")
                            && e.path("outcome").asText().equals("delivered"));
            assertThat(hook.path("status").asInt()).isEqualTo(200);
            assertThat(hook.path("url").asText()).isEqualTo(receiver.url());
            assertThat(hook.path("events").get(0).path("name").asText()).isEqualTo("channel_occupied");

            bob.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-room\",\"auth\":\"" + app.key()
                    + ":wrong\"}}");
            JsonNode failed = console.await("subscription_error", "socket_id", bobId);
            assertThat(failed.path("channel").asText()).isEqualTo("private-room");
            assertThat(failed.path("error_type").asText()).isEqualTo("AuthError");
            assertThat(failed.path("status").asInt()).isEqualTo(401);

            server.rest(app).trigger("news", "greeting", Map.of("text", "hello"));
            JsonNode message = console.await("api_message", "event", "greeting");
            assertThat(message.path("channels").get(0).asText()).isEqualTo("news");
            assertThat(message.path("data").asText()).isEqualTo("{\"text\":\"hello\"}");

            for (RawWebSocket ws : List.of(alice, bob)) {
                String auth = app.key() + ":" + TestAuth.hmac(app.secret(), ws.socketId() + ":private-chat");
                ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-chat\",\"auth\":\"" + auth
                        + "\"}}");
                ws.awaitEvent("pusher_internal:subscription_succeeded");
            }
            alice.send("{\"event\":\"client-typing\",\"channel\":\"private-chat\",\"data\":{\"who\":\"alice\"}}");
            JsonNode clientEvent = console.await("client_event", "event", "client-typing");
            assertThat(clientEvent.path("socket_id").asText()).isEqualTo(aliceId);
            assertThat(clientEvent.path("channel").asText()).isEqualTo("private-chat");

            assertThat(SignedHttp.to(server, app)
                            .post("/events", "{\"name\":\"x\",\"channel\":\"news\",\"data\":\"{}\"}")
                            .secret("not-the-secret")
                            .send()
                            .status())
                    .isEqualTo(401);
            JsonNode error = console.await(
                    "REST error",
                    e -> e.path("type").asText().equals("error")
                            && e.path("source").asText().equals("rest"));
            assertThat(error.path("status").asInt()).isEqualTo(401);
            assertThat(error.path("request").asText()).isEqualTo("POST /apps/con/events");
        }
        JsonNode closed =
                console.await("disconnection", e -> e.path("type").asText().equals("disconnection"));
        assertThat(closed.path("code").asInt()).isEqualTo(1006);
        assertThat(String.join("\n", console.rawLines())).doesNotContain(app.secret());
    }

    @Test
    void showsOnlyTheChosenTypesOnChannelsMatchingTheFilter() {
        DashboardClient.Stream console = loggedIn().console(app.id(), "types=api_message&channel=room");
        assertThat(console.status()).isEqualTo(200);
        Awaitility.await()
                .atMost(DashboardClient.WAIT)
                .until(() -> console.rawLines().contains("retry: 5000"));
        try (RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.subscribe("room-1");
            server.rest(app).trigger("other-channel", "skipped", Map.of());
            server.rest(app).trigger("room-1", "shown", Map.of());
            server.rest(app).trigger(List.of("x", "big-room"), "fence", Map.of());
            console.await("api_message", "event", "fence");
        }
        assertThat(console.events()).extracting(e -> e.path("event").asText()).containsExactly("shown", "fence");
    }

    @Test
    void aViewerIsShownAtMostItsRateAndToldHowManyEventsItMissed() {
        DashboardClient.Stream console = loggedIn().console(app.id(), "types=api_message&channel=flood");
        assertThat(console.status()).isEqualTo(200);
        Awaitility.await()
                .atMost(DashboardClient.WAIT)
                .until(() -> console.rawLines().contains("retry: 5000"));
        int sent = 200;
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < sent; i++) {
            batch.append(batch.isEmpty() || i % 10 == 0 ? "" : ",")
                    .append("{\"name\":\"e")
                    .append(i)
                    .append("\",\"channel\":\"flood\",\"data\":\"{}\"}");
            if (i % 10 == 9) {
                assertThat(SignedHttp.to(server, app)
                                .post("/batch_events", "{\"batch\":[" + batch + "]}")
                                .send()
                                .status())
                        .isEqualTo(200);
                batch.setLength(0);
            }
        }
        // Every event is either shown or counted in a marker, and far fewer are shown than sent.
        Awaitility.await("shown + left out = sent")
                .atMost(DashboardClient.WAIT)
                .until(() -> shown(console) + dropped(console) == sent);
        assertThat(shown(console)).isLessThan(sent / 2);
        assertThat(console.events())
                .filteredOn(e -> e.path("type").asText().equals("sampled"))
                .allSatisfy(e -> assertThat(e.path("where").asText()).isEqualTo("viewer"));
    }

    private static long shown(DashboardClient.Stream s) {
        return s.events().stream()
                .filter(e -> e.path("type").asText().equals("api_message"))
                .count();
    }

    private static long dropped(DashboardClient.Stream s) {
        return s.events().stream()
                .filter(e -> e.path("type").asText().equals("sampled"))
                .mapToLong(e -> e.path("dropped").asLong())
                .sum();
    }

    @Test
    void viewersAreCappedPerAppAndPerNode() {
        DashboardClient d = loggedIn();
        List<DashboardClient.Stream> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(d.console(app.id(), ""));
        }
        open.forEach(s -> assertThat(s.status()).isEqualTo(200));
        DashboardClient.Answer fourth = d.get("/dashboard/api/apps/" + app.id() + "/console");
        assertThat(fourth.status()).isEqualTo(429);
        assertThat(fourth.json().path("error").asText()).contains("max_viewers_per_app");

        DashboardClient.Stream otherApp = d.console(other.id(), "");
        assertThat(otherApp.status()).isEqualTo(200);
        DashboardClient.Answer overNode = d.get("/dashboard/api/apps/" + other.id() + "/console");
        assertThat(overNode.status()).isEqualTo(429);
        assertThat(overNode.json().path("error").asText()).contains("max_viewers");

        open.get(0).close();
        Awaitility.await("a place is free again").atMost(DashboardClient.WAIT).until(() -> {
            DashboardClient.Stream again = d.console(app.id(), "");
            if (again.status() == 200) {
                return true;
            }
            again.close();
            return false;
        });
    }

    @Test
    void aStreamEndsWithItsLogin() {
        DashboardClient d = loggedIn();
        DashboardClient.Stream console = d.console(app.id(), "");
        assertThat(console.status()).isEqualTo(200);
        String csrf = d.csrf();
        DashboardClient.Answer out = d.send(
                d.request("/dashboard/logout")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("csrf=" + csrf)),
                false);
        assertThat(out.status()).isEqualTo(303);
        Awaitility.await("the stream ends").atMost(Duration.ofSeconds(10)).until(console::finished);
        assertThat(console.endReason()).contains("login has expired");
        assertThat(d.get("/dashboard/api/overview").status()).isEqualTo(401);
    }
}
