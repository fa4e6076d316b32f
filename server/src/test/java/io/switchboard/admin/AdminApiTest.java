package io.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.AdminClient;
import io.switchboard.testing.AdminClient.Answer;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestPostgres;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every admin endpoint against apps kept in a real PostgreSQL, with real clients. */
class AdminApiTest {
    private static TestPostgres postgres;
    private String database;
    private TestServer server;
    private AdminClient admin;

    @BeforeAll
    static void startPostgres() {
        postgres = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void startServer() {
        var store = postgres.newStore();
        database = store.url().substring(store.url().lastIndexOf('/') + 1);
        server = TestServer.start(
                SwitchboardConfig.of(TestServer.settings(), List.of()).withAppStore(store));
        admin = AdminClient.of(server);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void createdAppServesClientsAndItsSecretIsShownOnlyOnce() {
        Answer created = admin.post("/admin/v1/apps", "{\"name\":\"Chat\",\"client_events\":true}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("secret").asText()).hasSize(40);
        assertThat(created.json().get("client_events").asBoolean()).isTrue();
        assertThat(created.json().at("/limits/max_channels_per_connection").asInt())
                .isEqualTo(100);
        App app = AdminClient.app(created.json(), created.json().get("secret").asText());

        Answer read = admin.get("/admin/v1/apps/" + app.id());
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().has("secret"))
                .as("secrets are never shown again")
                .isFalse();
        assertThat(read.json().get("name").asText()).isEqualTo("Chat");
        assertThat(admin.get("/admin/v1/apps").json().toString()).doesNotContain(app.secret());

        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("news");
            Result result = server.rest(app).trigger("news", "hello", "{}");
            assertThat(result.getHttpStatus()).isEqualTo(200);
            client.expect("hello", "news");
        }
    }

    @Test
    void createTakesAGivenIdKeyAndSecret() {
        App app = admin.create("{\"id\":\"1001\",\"key\":\"chat-key\",\"secret\":\"0123456789abcdef-imported\"}");
        assertThat(app.id()).isEqualTo("1001");
        assertThat(app.key()).isEqualTo("chat-key");
        assertThat(app.secret()).isEqualTo("0123456789abcdef-imported");
        assertThat(server.rest(app).trigger("c", "e", "{}").getHttpStatus()).isEqualTo(200);
    }

    @Test
    void listsAppsInPagesOrderedById() {
        for (int i = 5; i >= 1; i--) {
            admin.create("{\"id\":\"app-" + i + "\"}");
        }
        Answer first = admin.get("/admin/v1/apps?limit=2");
        assertThat(ids(first.json())).containsExactly("app-1", "app-2");
        assertThat(first.json().get("total").asInt()).isEqualTo(5);
        assertThat(first.json().get("next").asText()).isEqualTo("app-2");
        Answer second = admin.get("/admin/v1/apps?limit=2&after=app-2");
        assertThat(ids(second.json())).containsExactly("app-3", "app-4");
        Answer last = admin.get("/admin/v1/apps?limit=2&after=app-4");
        assertThat(ids(last.json())).containsExactly("app-5");
        assertThat(last.json().get("next").isNull()).isTrue();
    }

    @Test
    void limitsAndSwitchesChangedLiveApplyToOpenConnections() {
        App app = admin.create("{\"client_events\":true}");
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("a");
            Answer patched = admin.patch(
                    "/admin/v1/apps/" + app.id(),
                    "{\"limits\":{\"max_channels_per_connection\":1},\"name\":\"renamed\"}");
            assertThat(patched.status()).isEqualTo(200);
            assertThat(patched.json().at("/limits/max_channels_per_connection").asInt())
                    .isEqualTo(1);
            assertThat(patched.json().at("/limits/max_payload_bytes").asInt())
                    .as("other limits keep their values")
                    .isEqualTo(10240);
            assertThat(patched.json().get("client_events").asBoolean()).isTrue();

            client.sendSubscribe("b");
            JsonNode refused = client.await("pusher:subscription_error");
            assertThat(io.switchboard.testing.RawWebSocket.data(refused)
                            .path("type")
                            .asText())
                    .isEqualTo("LimitReached");

            admin.patch("/admin/v1/apps/" + app.id(), "{\"limits\":{\"max_channels_per_connection\":5}}");
            client.subscribe("b");
        }
    }

    @Test
    void webSocketCompressionIsOffUntilSwitchedOnAndThenNegotiatedByNewConnections() {
        App app = admin.create("{}");
        assertThat(admin.get("/admin/v1/apps/" + app.id())
                        .json()
                        .get("websocket_compression")
                        .asBoolean())
                .isFalse();
        String path = "/app/" + app.key() + "?protocol=7";
        String offer = "permessage-deflate; client_max_window_bits";
        try (RawWebSocket off = RawWebSocket.connectOffering(server.port(), path, offer)) {
            assertThat(off.responseHeader("Sec-WebSocket-Extensions")).isNull();
        }

        Answer patched = admin.patch("/admin/v1/apps/" + app.id(), "{\"websocket_compression\":true}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(admin.get("/admin/v1/apps/" + app.id())
                        .json()
                        .get("websocket_compression")
                        .asBoolean())
                .as("kept in PostgreSQL")
                .isTrue();
        try (RawWebSocket on = RawWebSocket.connectOffering(server.port(), path, offer)) {
            assertThat(on.responseHeader("Sec-WebSocket-Extensions")).startsWith("permessage-deflate");
            on.established();
        }
    }

    @Test
    void historyRulesSetThroughTheApiAreStoredAndApplyLive() throws Exception {
        App app = admin.create("{}");
        Answer patched = admin.patch(
                "/admin/v1/apps/" + app.id(),
                "{\"history\":[{\"channels\":\"chat-*\",\"max_events\":10,\"rewind\":2}]}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get("history"))
                .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree("[{\"channels\":\"chat-*\",\"max_events\":10,\"max_age_seconds\":86400,"
                                + "\"rewind\":2,\"rewind_seconds\":0}]"));
        assertThat(admin.get("/admin/v1/apps/" + app.id()).json().get("history"))
                .as("read back from the store")
                .isEqualTo(patched.json().get("history"));
        for (int i = 1; i <= 3; i++) {
            assertThat(server.rest(app).trigger("chat-live", "e" + i, "{}").getHttpStatus())
                    .isEqualTo(200);
        }
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("chat-live");
            client.expect("e2");
            client.expect("e3");
            client.expectOnlyPong();
        }
        Answer bad =
                admin.patch("/admin/v1/apps/" + app.id(), "{\"history\":[{\"channels\":\"chat-*\",\"rewind\":-1}]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error()).contains("history[0].rewind");
        Answer unknown = admin.patch("/admin/v1/apps/" + app.id(), "{\"history\":[{\"channel\":\"x\"}]}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.error()).contains("history[0]: unknown field 'channel'");
    }

    @Test
    void disablingAnAppClosesItsConnectionsWith4003AndRefusesItsRequests() {
        App app = admin.create("{}");
        App other = admin.create("{}");
        try (RawClient client = RawClient.connect(server, app);
                RawClient bystander = RawClient.connect(server, other)) {
            Answer disabled = admin.post("/admin/v1/apps/" + app.id() + "/disable", null);
            assertThat(disabled.status()).isEqualTo(200);
            assertThat(disabled.json().get("enabled").asBoolean()).isFalse();
            assertThat(client.awaitCloseCode()).isEqualTo(4003);
            bystander.expectOnlyPong();
        }
        assertThat(server.rest(app).trigger("c", "e", "{}").getHttpStatus()).isEqualTo(403);
        try (var refused = server.raw(app)) {
            assertThat(refused.awaitClose().closeCode()).isEqualTo(4003);
        }

        assertThat(admin.post("/admin/v1/apps/" + app.id() + "/enable", null)
                        .json()
                        .get("enabled")
                        .asBoolean())
                .isTrue();
        try (RawClient again = RawClient.connect(server, app)) {
            again.expectOnlyPong();
        }
    }

    @Test
    void deletingAnAppClosesItsConnectionsAndForgetsIt() {
        App app = admin.create("{}");
        try (RawClient client = RawClient.connect(server, app)) {
            Answer deleted = admin.delete("/admin/v1/apps/" + app.id());
            assertThat(deleted.status()).isEqualTo(200);
            assertThat(client.awaitCloseCode()).isEqualTo(4003);
        }
        assertThat(admin.get("/admin/v1/apps/" + app.id()).status()).isEqualTo(404);
        assertThat(admin.delete("/admin/v1/apps/" + app.id()).status()).isEqualTo(404);
        assertThat(server.rest(app).trigger("c", "e", "{}").getHttpStatus()).isEqualTo(404);
    }

    @Test
    void badInputGetsAClearError() {
        App app = admin.create("{\"id\":\"taken\",\"key\":\"taken-key\"}");
        expectError(admin.get("/admin/v1/apps/nope"), 404, "Unknown app id: nope");
        expectError(admin.patch("/admin/v1/apps/nope", "{}"), 404, "Unknown app id: nope");
        expectError(admin.post("/admin/v1/apps/nope/secret/rotate", "{}"), 404, "Unknown app id: nope");
        expectError(admin.get("/admin/v1/apps/nope/state"), 404, "Unknown app id: nope");
        expectError(
                admin.post("/admin/v1/apps", "{\"limits\":{\"max_connections\":-1}}"),
                400,
                "Invalid app: limits.max_connections: must be 0 (unlimited) or more");
        expectError(
                admin.patch("/admin/v1/apps/" + app.id(), "{\"limits\":{\"max_batch_size\":0}}"),
                400,
                "Invalid app: limits.max_batch_size: must be at least 1");
        expectError(
                admin.patch("/admin/v1/apps/" + app.id(), "{\"limits\":{\"max_batch_size\":\"ten\"}}"),
                400,
                "limits.max_batch_size: must be a whole number");
        expectError(
                admin.patch("/admin/v1/apps/" + app.id(), "{\"limits\":{\"max_bogus\":1}}"),
                400,
                "limits: unknown limit 'max_bogus'");
        expectError(admin.post("/admin/v1/apps", "{\"id\":\"taken\"}"), 409, "An app with id 'taken' already exists");
        expectError(
                admin.post("/admin/v1/apps", "{\"key\":\"taken-key\"}"),
                409,
                "key 'taken-key' is already used by another app");
        expectError(
                admin.post("/admin/v1/apps", "{\"id\":\"has space\"}"),
                400,
                "Invalid app: id: must be non-empty and use only A-Z a-z 0-9 _ . -");
        expectError(
                admin.post("/admin/v1/apps", "{\"id\":\"" + "x".repeat(101) + "\"}"), 400, "id: must be at most 100");
        expectError(admin.post("/admin/v1/apps", "{\"colour\":\"red\"}"), 400, "Unknown field 'colour'");
        expectError(admin.post("/admin/v1/apps", "{\"secret\":\"short\"}"), 400, "secret: must be at least 16");
        expectError(admin.post("/admin/v1/apps", "not json"), 400, "The body is not valid JSON");
        expectError(admin.post("/admin/v1/apps", "[1]"), 400, "The body must be a JSON object");
        expectError(admin.patch("/admin/v1/apps/" + app.id(), "{\"key\":\"k2\"}"), 400, "key cannot be changed");
        expectError(admin.patch("/admin/v1/apps/" + app.id(), "{\"secret\":\"s\"}"), 400, "secret cannot be set");
        expectError(
                admin.patch("/admin/v1/apps/" + app.id(), "{\"enabled\":\"yes\"}"),
                400,
                "enabled: must be true or false");
        expectError(
                admin.patch("/admin/v1/apps/" + app.id(), "{\"webhooks\":[{\"url\":\"ftp://x\"}]}"),
                400,
                "Invalid app: webhooks[0].url: must be an http(s) URL");
        expectError(
                admin.patch(
                        "/admin/v1/apps/" + app.id(),
                        "{\"webhooks\":[{\"url\":\"http://x/\",\"event_types\":[\"boom\"]}]}"),
                400,
                "unknown event type 'boom'");
        expectError(
                admin.patch(
                        "/admin/v1/apps/" + app.id(),
                        "{\"webhooks\":[{\"url\":\"http://x/\",\"headers\":{\"Host\":\"evil\"}}]}"),
                400,
                "webhooks[0].headers.Host: controls the connection or the message framing");
        expectError(
                admin.patch(
                        "/admin/v1/apps/" + app.id(),
                        "{\"webhooks\":[{\"url\":\"http://x/\",\"headers\":{\"X-A\":\"a\\r\\nX-B: b\"}}]}"),
                400,
                "webhooks[0].headers.X-A: the value must be set and must not contain line breaks");
        StringBuilder many = new StringBuilder("{\"webhooks\":[");
        for (int i = 0; i < 11; i++) {
            many.append(i == 0 ? "" : ",")
                    .append("{\"url\":\"http://h/")
                    .append(i)
                    .append("\"}");
        }
        expectError(admin.patch("/admin/v1/apps/" + app.id(), many + "]}"), 400, "at most 10 targets");
        expectError(admin.get("/admin/v1/apps?limit=1000"), 400, "limit: must be 1..100");
        expectError(admin.get("/admin/v1/apps?limit=1&limit=2"), 400, "given more than once");
        expectError(admin.post("/admin/v1/apps", "{\"name\":\"" + "n".repeat(70_000) + "\"}"), 413, "larger than");
        expectError(
                admin.post("/admin/v1/apps/" + app.id() + "/secret/rotate", "{\"overlap_seconds\":-5}"),
                400,
                "overlap_seconds: must be a whole number");
        expectError(admin.send("PUT", "/admin/v1/apps/" + app.id(), "{}"), 405, "Method PUT is not allowed");
        expectError(admin.get("/admin/v1/nothing"), 404, "Not found");
        assertThat(admin.get("/admin/v1/apps/" + app.id()).json().get("enabled").asBoolean())
                .as("nothing refused changed the app")
                .isTrue();
    }

    @Test
    void webhookTargetsChangeLive() throws Exception {
        App app = admin.create("{}");
        try (WebhookReceiver receiver = WebhookReceiver.start();
                RawClient client = RawClient.connect(server, app)) {
            admin.patch(
                    "/admin/v1/apps/" + app.id(),
                    "{\"webhooks\":[{\"url\":\"" + receiver.url()
                            + "\",\"event_types\":[\"channel_occupied\"],\"headers\":{\"X-Team\":\"chat\"}}]}");
            client.subscribe("watched");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> receiver.eventNames().contains("channel_occupied"));
            var request = receiver.requests().get(0);
            assertThat(request.header("X-Pusher-Key")).isEqualTo(app.key());
            assertThat(request.header("X-Team")).isEqualTo("chat");
            assertThat(request.header("X-Pusher-Signature"))
                    .isEqualTo(io.switchboard.testing.TestAuth.hmac(app.secret(), request.body()));

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> admin.get("/admin/v1/apps/" + app.id() + "/state")
                                    .json()
                                    .at("/webhooks/recent")
                                    .size()
                            > 0);
            JsonNode state = admin.get("/admin/v1/apps/" + app.id() + "/state").json();
            assertThat(state.at("/webhooks/recent/0/outcome").asText()).isEqualTo("delivered");
            assertThat(state.at("/webhooks/recent/0/url").asText()).isEqualTo(receiver.url());

            admin.patch("/admin/v1/apps/" + app.id(), "{\"webhooks\":[]}");
            client.subscribe("unwatched");
            // A fence: an event after the removal reaches a target added after it, never the old one.
            try (WebhookReceiver fence = WebhookReceiver.start()) {
                admin.patch(
                        "/admin/v1/apps/" + app.id(),
                        "{\"webhooks\":[{\"url\":\"" + fence.url() + "\",\"event_types\":[\"channel_occupied\"]}]}");
                client.subscribe("fence");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> !fence.events().isEmpty());
            }
            assertThat(receiver.events())
                    .extracting(e -> e.path("channel").asText())
                    .containsOnly("watched");
        }
    }

    @Test
    void stateShowsConnectionsChannelsAndPresenceMembers() {
        App app = admin.create("{}");
        try (RawClient a = RawClient.connect(server, app);
                RawClient b = RawClient.connect(server, app)) {
            a.subscribe("news");
            b.subscribe("news");
            a.joinAs("presence-room", "alice");
            b.joinAs("presence-room", "bob");
            JsonNode state = admin.get("/admin/v1/apps/" + app.id() + "/state").json();
            assertThat(state.at("/connections/count").asInt()).isEqualTo(2);
            assertThat(state.at("/connections/transports/websocket").asInt()).isEqualTo(2);
            assertThat(state.at("/channels/occupied").asInt()).isEqualTo(2);
            assertThat(state.at("/channels/list/0/name").asText()).isEqualTo("news");
            assertThat(state.at("/channels/list/0/subscription_count").asInt()).isEqualTo(2);
            assertThat(state.at("/channels/list/1/user_count").asInt()).isEqualTo(2);

            JsonNode members = admin.get("/admin/v1/apps/" + app.id() + "/channels/presence-room/members?limit=1")
                    .json();
            assertThat(members.get("user_count").asInt()).isEqualTo(2);
            assertThat(members.at("/members/0/id").asText()).isEqualTo("alice");
            assertThat(members.get("truncated").asBoolean()).isTrue();
            expectError(
                    admin.get("/admin/v1/apps/" + app.id() + "/channels/news/members"),
                    400,
                    "Only presence channels have members");
        }
    }

    @Test
    void aChangeMadeInTheDatabaseByHandIsPickedUp() {
        App app = admin.create("{}");
        postgres.sql(database, "UPDATE switchboard_apps SET name = 'by hand' WHERE id = '" + app.id() + "'");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> admin.get("/admin/v1/apps/" + app.id())
                        .json()
                        .get("name")
                        .asText()
                        .equals("by hand"));
    }

    @Test
    void describesItselfAndServesItsOpenApiDescription() {
        JsonNode about = admin.get("/admin/v1").json();
        assertThat(about.at("/app_store/driver").asText()).isEqualTo("postgres");
        assertThat(about.at("/app_store/writable").asBoolean()).isTrue();
        Answer openApi = admin.get("/admin/v1/openapi.json");
        assertThat(openApi.status()).isEqualTo(200);
        assertThat(openApi.json().get("openapi").asText()).startsWith("3.");
        assertThat(openApi.json().at("/paths").has("/admin/v1/apps/{id}/secret/rotate"))
                .isTrue();
        assertThat(server.httpStatus("/admin/v1/apps"))
                .as("never on the public port")
                .isEqualTo(404);
    }

    private static List<String> ids(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("apps").forEach(a -> out.add(a.get("id").asText()));
        return out;
    }

    private static void expectError(Answer answer, int status, String message) {
        assertThat(answer.status()).as("%s", answer.json()).isEqualTo(status);
        assertThat(answer.error()).contains(message);
    }
}
