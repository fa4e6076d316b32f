package io.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.AdminClient;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestPostgres;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rotated secret: backends still signing with the old one keep working during the overlap
 * (REST, channel authorization, sign-in), alongside those already on the new one; after it only
 * the new one verifies. Webhooks are signed with the new one from the rotation on.
 */
class SecretRotationTest {
    private static TestPostgres postgres;
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
        server = TestServer.start(
                SwitchboardConfig.of(TestServer.settings(), List.of()).withAppStore(postgres.newStore()));
        admin = AdminClient.of(server);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void oldAndNewSecretBothWorkDuringTheOverlapAndOnlyTheNewOneAfterIt() {
        App old = admin.create("{\"client_events\":true}");
        JsonNode rotated = admin.post("/admin/v1/apps/" + old.id() + "/secret/rotate", "{}")
                .json();
        String newSecret = rotated.get("secret").asText();
        assertThat(newSecret).hasSize(40).isNotEqualTo(old.secret());
        assertThat(Instant.parse(rotated.get("previous_secret_expires_at").asText()))
                .as("24 hours by default")
                .isAfter(Instant.now().plus(Duration.ofHours(23)));
        assertThat(rotated.at("/app/previous_secrets").size()).isEqualTo(1);
        assertThat(admin.get("/admin/v1/apps/" + old.id()).json().toString())
                .doesNotContain(newSecret)
                .doesNotContain(old.secret());
        App renewed = withSecret(old, newSecret);

        for (App backend : List.of(old, renewed)) {
            assertThat(server.rest(backend).trigger("c", "e", "{}").getHttpStatus())
                    .as("REST signed with the %s secret", backend == old ? "old" : "new")
                    .isEqualTo(200);
            try (SdkClient client = SdkClient.connect(server, backend, TestAuth.of(server, backend, "u1"))) {
                client.subscribe("private-orders").subscribe("presence-room").signin("u1");
            }
        }

        assertThat(admin.delete("/admin/v1/apps/" + old.id() + "/secret/previous")
                        .json()
                        .get("previous_secrets")
                        .size())
                .isZero();

        assertThat(server.rest(old).trigger("c", "e", "{}").getHttpStatus()).isEqualTo(401);
        try (RawClient client = RawClient.connect(server, old)) {
            client.sendSubscribe("private-orders");
            assertThat(RawWebSocket.data(client.await("pusher:subscription_error"))
                            .path("status")
                            .asInt())
                    .isEqualTo(401);
            client.sendSignin("{\"id\":\"u1\"}");
            assertThat(client.awaitCloseCode())
                    .as("a sign-in signed with the old secret")
                    .isEqualTo(4009);
        }
        assertThat(server.rest(renewed).trigger("c", "e", "{}").getHttpStatus()).isEqualTo(200);
        try (RawClient client = RawClient.connect(server, renewed)) {
            client.sendSubscribe("private-orders");
            client.await("pusher_internal:subscription_succeeded");
        }
    }

    @Test
    void theOldSecretStopsVerifyingWhenTheOverlapEnds() {
        App old = admin.create("{}");
        JsonNode rotated = admin.post("/admin/v1/apps/" + old.id() + "/secret/rotate", "{\"overlap_seconds\":1}")
                .json();
        App renewed = withSecret(old, rotated.get("secret").asText());
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> server.rest(old).trigger("c", "e", "{}").getHttpStatus() == 401);
        assertThat(server.rest(renewed).trigger("c", "e", "{}").getHttpStatus()).isEqualTo(200);
        assertThat(admin.get("/admin/v1/apps/" + old.id()).json().get("previous_secrets"))
                .as("an expired secret is not listed")
                .isEmpty();
    }

    @Test
    void aRotationWithoutOverlapRefusesTheOldSecretAtOnce() {
        App old = admin.create("{}");
        admin.post("/admin/v1/apps/" + old.id() + "/secret/rotate", "{\"overlap_seconds\":0}");
        assertThat(server.rest(old).trigger("c", "e", "{}").getHttpStatus()).isEqualTo(401);
    }

    @Test
    void webhooksAreSignedWithTheNewSecretFromTheRotationOn() {
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            App old = admin.create(
                    "{\"webhooks\":[{\"url\":\"" + receiver.url() + "\",\"event_types\":[\"channel_occupied\"]}]}");
            String newSecret = admin.post("/admin/v1/apps/" + old.id() + "/secret/rotate", "{}")
                    .json()
                    .get("secret")
                    .asText();
            try (RawClient client = RawClient.connect(server, old)) {
                client.subscribe("signed");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> !receiver.requests().isEmpty());
            }
            WebhookReceiver.Request request = receiver.requests().get(0);
            assertThat(request.header("X-Pusher-Signature")).isEqualTo(TestAuth.hmac(newSecret, request.body()));
        }
    }

    @Test
    void rotationsDuringAnOverlapKeepAtMostThreePreviousSecrets() {
        App app = admin.create("{}");
        for (int i = 0; i < 5; i++) {
            admin.post("/admin/v1/apps/" + app.id() + "/secret/rotate", "{}");
        }
        assertThat(admin.get("/admin/v1/apps/" + app.id()).json().get("previous_secrets"))
                .hasSize(3);
        assertThat(server.rest(app).trigger("c", "e", "{}").getHttpStatus())
                .as("the first secret was dropped with the oldest")
                .isEqualTo(401);
    }

    private static App withSecret(App app, String secret) {
        return new App(
                app.id(),
                app.key(),
                secret,
                app.name(),
                app.enabled(),
                app.clientEvents(),
                app.userAuthentication(),
                app.signinTimeoutSeconds(),
                app.requireTls(),
                app.subscriptionCountEvents(),
                app.limits(),
                app.webhooks());
    }
}
