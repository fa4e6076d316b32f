package io.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.AdminClient;
import io.switchboard.testing.AdminClient.Answer;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With apps from the configuration file the admin API reads them and refuses every change. */
class AdminApiYamlStoreTest {
    private static final String TOKEN = "0123456789abcdef-admin-token";
    private final App app = TestApps.withLimits(TestApps.app("a"), l -> {
        l.maxConnections = 7;
        return l;
    });

    @Test
    void readsTheFilesAppsAndRefusesChangesWith405() {
        try (TestServer server = TestServer.start(app, TestApps.app("b"));
                RawClient client = RawClient.connect(server, app)) {
            AdminClient admin = AdminClient.of(server);
            Answer about = admin.get("/admin/v1");
            assertThat(about.json().at("/app_store/driver").asText()).isEqualTo("yaml");
            assertThat(about.json().at("/app_store/writable").asBoolean()).isFalse();

            Answer list = admin.get("/admin/v1/apps");
            assertThat(list.json().get("apps")).hasSize(2);
            Answer one = admin.get("/admin/v1/apps/a");
            assertThat(one.json().at("/limits/max_connections").asInt()).isEqualTo(7);
            assertThat(one.json().toString()).doesNotContain(app.secret());
            assertThat(admin.get("/admin/v1/apps/a/state")
                            .json()
                            .at("/connections/count")
                            .asInt())
                    .isEqualTo(1);

            for (Answer refused : List.of(
                    admin.post("/admin/v1/apps", "{}"),
                    admin.patch("/admin/v1/apps/a", "{\"name\":\"x\"}"),
                    admin.post("/admin/v1/apps/a/disable", null),
                    admin.delete("/admin/v1/apps/a"),
                    admin.post("/admin/v1/apps/a/secret/rotate", "{}"),
                    admin.delete("/admin/v1/apps/a/secret/previous"))) {
                assertThat(refused.status()).isEqualTo(405);
                assertThat(refused.error()).contains("app_store.driver: yaml").contains("edit the file");
            }
            client.expectOnlyPong();
        }
    }

    @Test
    void theAdminApiNeedsTheTokenWhenOneIsSet() {
        SwitchboardConfig config = SwitchboardConfig.of(TestServer.settings(), List.of(app))
                .withAdmin(new AdminSettings(true, "127.0.0.1", 0, TOKEN));
        try (TestServer server = TestServer.start(config)) {
            assertThat(new AdminClient(server.adminPort(), null)
                            .get("/admin/v1/apps")
                            .status())
                    .isEqualTo(401);
            assertThat(new AdminClient(server.adminPort(), "wrong-token")
                            .get("/admin/v1/apps")
                            .status())
                    .isEqualTo(401);
            assertThat(new AdminClient(server.adminPort(), TOKEN)
                            .get("/admin/v1/apps")
                            .status())
                    .isEqualTo(200);
            assertThat(server.httpStatus("/admin/v1/apps")).isEqualTo(404);
        }
    }
}
