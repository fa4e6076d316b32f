package io.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.config.AppStoreSettings;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.AdminClient;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestPostgres;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two nodes of a cluster sharing one PostgreSQL app store: a change made through one reaches both. */
class AppStoreClusterTest {
    private static TestPostgres postgres;
    private static TestRedis redis;

    @BeforeAll
    static void start() {
        postgres = TestPostgres.start();
        redis = TestRedis.standalone();
    }

    @AfterAll
    static void stop() {
        redis.close();
        postgres.close();
    }

    @Test
    void everyNodeAppliesAChangeMadeThroughAnyOfThem() {
        AppStoreSettings store = postgres.newStore();
        try (TestServer a = node(store);
                TestServer b = node(store)) {
            AdminClient adminA = AdminClient.of(a);
            AdminClient adminB = AdminClient.of(b);

            App app = adminA.create("{\"id\":\"shared\"}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> adminB.get("/admin/v1/apps/shared").status() == 200);
            try (RawClient onB = RawClient.connect(b, app);
                    RawClient onA = RawClient.connect(a, app)) {
                onB.subscribe("news");
                assertThat(b.rest(app).trigger("news", "hello", "{}").getHttpStatus())
                        .isEqualTo(200);
                onB.expect("hello", "news");

                adminA.patch("/admin/v1/apps/shared", "{\"limits\":{\"max_channels_per_connection\":1}}");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> adminB.get("/admin/v1/apps/shared")
                                        .json()
                                        .at("/limits/max_channels_per_connection")
                                        .asInt()
                                == 1);
                onB.sendSubscribe("sports");
                assertThat(RawWebSocket.data(onB.await("pusher:subscription_error"))
                                .path("type")
                                .asText())
                        .as("the open connection on the other node got the new limit")
                        .isEqualTo("LimitReached");

                adminB.post("/admin/v1/apps/shared/disable", null);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !adminA.get("/admin/v1/apps/shared")
                                .json()
                                .get("enabled")
                                .asBoolean());
                assertThat(onA.awaitCloseCode())
                        .as("closed on the node that did not make the change")
                        .isEqualTo(4003);
                assertThat(onB.awaitCloseCode()).isEqualTo(4003);
            }
            assertThat(a.rest(app).trigger("news", "hello", "{}").getHttpStatus())
                    .isEqualTo(403);

            adminB.delete("/admin/v1/apps/shared");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> adminA.get("/admin/v1/apps/shared").status() == 404);
        }
    }

    @Test
    void appsOfTheConfigurationFileAreAddedToAnEmptyStore() {
        AppStoreSettings store = postgres.newStore();
        App fromFile = io.switchboard.testing.TestApps.app("from-file");
        SwitchboardConfig config =
                SwitchboardConfig.of(TestServer.settings(), List.of(fromFile)).withAppStore(store);
        try (TestServer node = TestServer.start(config)) {
            assertThat(node.rest(fromFile).trigger("c", "e", "{}").getHttpStatus())
                    .isEqualTo(200);
            AdminClient admin = AdminClient.of(node);
            admin.patch("/admin/v1/apps/from-file", "{\"name\":\"changed\"}");
        }
        try (TestServer again = TestServer.start(config)) {
            assertThat(AdminClient.of(again)
                            .get("/admin/v1/apps/from-file")
                            .json()
                            .get("name")
                            .asText())
                    .as("the store's version wins over the file's at the next start")
                    .isEqualTo("changed");
        }
    }

    private static TestServer node(AppStoreSettings store) {
        return TestServer.start(SwitchboardConfig.of(TestServer.settings().withNodeId(""), List.of())
                .withBroker(BrokerSettings.redis(redis.settings()))
                .withAppStore(store));
    }
}
