package io.switchboard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.DashboardSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.DashboardClient;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who gets into the dashboard and what it never shows: the token or user login, the session
 * cookie, CSRF and same-origin checks on changes, bearer access for scripts, the open dashboard on
 * loopback, and no secret in any page, answer or console event.
 */
class DashboardLoginTest {
    private static final String TOKEN = "login-test-token-0123456";
    private static final String USER = "ops";
    private static final String PASSWORD = "correct horse battery";
    private static WebhookReceiver receiver;
    private static App app;
    private static TestServer server;

    @BeforeAll
    static void start() {
        receiver = WebhookReceiver.start();
        String hook = "http://hookuser:hookpass@127.0.0.1:" + receiver.port() + "/webhooks?key=QUERYSECRET";
        app = TestApps.withWebhooks(
                TestApps.app("secretive"),
                new App.Webhook(hook, List.of(), "", Map.of("Authorization", "Bearer HEADERSECRET")));
        DashboardSettings d = new DashboardSettings(true, USER, PASSWORD, 60, 20, 5, 50, 500, 60);
        server = TestServer.start(SwitchboardConfig.of(TestServer.settings(), List.of(app))
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

    @Test
    void withoutALoginThePageSendsToTheFormAndTheApiAnswers401() {
        try (DashboardClient d = DashboardClient.of(server)) {
            DashboardClient.Answer page = d.get("/dashboard");
            assertThat(page.status()).isEqualTo(303);
            assertThat(page.header("Location")).isEqualTo("/dashboard/login");
            assertThat(d.get("/dashboard/login").body()).contains("name=\"token\"");
            assertThat(d.get("/dashboard/api/overview").status()).isEqualTo(401);
            assertThat(d.get("/dashboard/api/apps/" + app.id() + "/console").status())
                    .isEqualTo(401);
            // The admin API keeps its bearer token; the dashboard's login does not open it.
            assertThat(d.get("/admin/v1/apps").status()).isEqualTo(401);
        }
    }

    @Test
    void theTokenMakesAStrictHttpOnlySession() {
        try (DashboardClient d = DashboardClient.of(server)) {
            DashboardClient.Answer login = d.loginWithToken(TOKEN);
            assertThat(login.status()).isEqualTo(303);
            assertThat(login.header("Location")).isEqualTo("/dashboard/");
            assertThat(login.header("Set-Cookie"))
                    .startsWith("switchboard_session=")
                    .contains("HttpOnly", "SameSite=Strict", "Path=/dashboard", "Max-Age=3600");
            assertThat(d.cookie()).matches("switchboard_session=[0-9a-f]{64}");
            DashboardClient.Answer page = d.get("/dashboard/");
            assertThat(page.status()).isEqualTo(200);
            assertThat(d.csrf()).matches("[0-9a-f]{64}");
            assertThat(d.get("/dashboard/api/overview")
                            .json()
                            .path("apps")
                            .get(0)
                            .path("id")
                            .asText())
                    .isEqualTo(app.id());
        }
    }

    @Test
    void theDashboardUserAndPasswordLogInTooAndWrongOnesDoNot() {
        try (DashboardClient d = DashboardClient.of(server)) {
            DashboardClient.Answer wrong = d.login(Map.of("user", USER, "password", "not it"));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.body()).contains("Wrong token, or wrong user name or password.");
            assertThat(d.cookie()).isNull();
            assertThat(d.login(Map.of("user", USER, "password", PASSWORD)).status())
                    .isEqualTo(303);
            assertThat(d.get("/dashboard/api/overview").status()).isEqualTo(200);
        }
    }

    @Test
    void theEventCreatorNeedsTheCsrfTokenAndTheSameOrigin() {
        try (DashboardClient d = DashboardClient.of(server);
                RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.subscribe("news");
            d.loginWithToken(TOKEN);
            String path = "/dashboard/api/apps/" + app.id() + "/events";
            String body = "{\"name\":\"test-event\",\"channels\":[\"news\"],\"data\":\"{\\\"n\\\":1}\"}";
            String csrf = d.csrf();

            assertThat(d.postJson(path, body, Map.of()).status()).isEqualTo(403);
            assertThat(d.postJson(path, body, Map.of("X-CSRF-Token", "0".repeat(64)))
                            .status())
                    .isEqualTo(403);
            assertThat(d.postJson(path, body, Map.of("X-CSRF-Token", csrf, "Origin", "http://evil.example"))
                            .status())
                    .isEqualTo(403);
            assertThat(d.postJson(path, body, Map.of("X-CSRF-Token", csrf, "Sec-Fetch-Site", "cross-site"))
                            .status())
                    .isEqualTo(403);
            DashboardClient.Answer sent = d.postJson(
                    path, body, Map.of("X-CSRF-Token", csrf, "Origin", d.base(), "Sec-Fetch-Site", "same-origin"));
            assertThat(sent.status()).isEqualTo(200);
            assertThat(RawWebSocket.data(ws.awaitEvent("test-event")).path("n").asInt())
                    .isEqualTo(1);

            DashboardClient.Answer invalid = d.postJson(
                    path,
                    "{\"name\":\"x\",\"channels\":[\"bad channel!\"],\"data\":\"{}\"}",
                    Map.of("X-CSRF-Token", csrf));
            assertThat(invalid.status()).isEqualTo(400);
        }
    }

    @Test
    void scriptsUseTheBearerTokenWithoutCsrf() {
        try (DashboardClient d = DashboardClient.of(server)) {
            String bearer = "Bearer " + TOKEN;
            DashboardClient.Answer overview =
                    d.send(d.request("/dashboard/api/overview").header("Authorization", bearer), true);
            assertThat(overview.status()).isEqualTo(200);
            DashboardClient.Answer wrong =
                    d.send(d.request("/dashboard/api/overview").header("Authorization", "Bearer nope"), true);
            assertThat(wrong.status()).isEqualTo(401);
            DashboardClient.Answer sent = d.send(
                    d.request("/dashboard/api/apps/" + app.id() + "/events")
                            .header("Authorization", bearer)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"{}\"}")),
                    true);
            assertThat(sent.status()).isEqualTo(200);
        }
    }

    @Test
    void noPageAnswerOrConsoleEventShowsASecret() {
        try (DashboardClient d = DashboardClient.of(server);
                RawWebSocket ws = server.raw(app)) {
            d.loginWithToken(TOKEN);
            DashboardClient.Stream console = d.console(app.id(), "");
            assertThat(console.status()).isEqualTo(200);
            ws.established();
            ws.subscribe("lobby"); // channel_occupied: a webhook to the target with credentials
            server.rest(app).trigger("lobby", "hello", Map.of());
            SignedHttp.to(server, app)
                    .post("/events", "{\"name\":\"x\",\"channel\":\"lobby\",\"data\":\"{}\"}")
                    .secret("wrong")
                    .send();
            console.await(
                    "the webhook delivered",
                    e -> e.path("type").asText().equals("webhook")
                            && e.path("outcome").asText().equals("delivered"));
            console.await("api_message", "event", "hello");

            List<DashboardClient.Answer> answers = new ArrayList<>();
            for (String path : List.of(
                    "/dashboard/",
                    "/dashboard/login",
                    "/dashboard/api/overview",
                    "/dashboard/api/apps/" + app.id(),
                    "/dashboard/assets/dashboard.js")) {
                answers.add(d.get(path));
            }
            List<String> texts = new ArrayList<>();
            answers.forEach(a -> texts.add(a.body()));
            texts.add(String.join("\n", console.rawLines()));
            for (String text : texts) {
                assertThat(text)
                        .doesNotContain(
                                app.secret(), "hookpass", "hookuser", "QUERYSECRET", "HEADERSECRET", TOKEN, PASSWORD);
            }
            assertThat(d.get("/dashboard/api/apps/" + app.id()).body())
                    .contains(
                            "\"url\":\"http://127.0.0.1:" + receiver.port() + "/webhooks\"",
                            "\"headers\":[\"Authorization\"]");
            for (DashboardClient.Answer a : answers) {
                assertThat(a.header("Access-Control-Allow-Origin")).isNull();
                assertThat(a.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
                assertThat(a.header("X-Frame-Options")).isEqualTo("DENY");
            }
        }
    }

    @Test
    void failedLoginsAreLimitedPerNode() {
        try (TestServer own = TestServer.start(SwitchboardConfig.of(TestServer.settings(), List.of(app))
                        .withAdmin(new AdminSettings(true, "127.0.0.1", 0, TOKEN)));
                DashboardClient d = DashboardClient.of(own)) {
            for (int i = 0; i < 10; i++) {
                assertThat(d.loginWithToken("wrong-" + i).status()).isEqualTo(401);
            }
            assertThat(d.loginWithToken(TOKEN).status()).isEqualTo(429);
        }
    }

    @Test
    void onLoopbackWithoutATokenNobodyLogsInButOtherHostNamesAreRefused() {
        try (TestServer open = TestServer.start(app);
                DashboardClient d = DashboardClient.of(open)) {
            assertThat(d.get("/dashboard/").status()).isEqualTo(200);
            assertThat(d.get("/dashboard/login").status()).isEqualTo(303);
            assertThat(d.get("/dashboard/api/overview").status()).isEqualTo(200);
            try (RawHttp rebound = RawHttp.raw(
                    open.adminPort(), "GET /dashboard/api/overview HTTP/1.1\r\nHost: evil.example:9601\r\n\r\n")) {
                assertThat(rebound.status()).isEqualTo(403);
            }
            try (RawHttp localhost = RawHttp.raw(
                    open.adminPort(), "GET /dashboard/api/overview HTTP/1.1\r\nHost: localhost:9601\r\n\r\n")) {
                assertThat(localhost.status()).isEqualTo(200);
            }
            String path = "/dashboard/api/apps/" + app.id() + "/events";
            String body = "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"{}\"}";
            assertThat(d.postJson(path, body, Map.of()).status()).isEqualTo(403);
            assertThat(d.postJson(path, body, Map.of("X-CSRF-Token", d.csrf())).status())
                    .isEqualTo(200);
        }
    }
}
