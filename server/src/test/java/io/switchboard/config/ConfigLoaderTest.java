package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.HistoryRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String ONE_APP = """
            apps:
              - id: shop
                key: shop-key
                secret: shop-secret
            """;

    @TempDir
    Path dir;

    // --- reading ----------------------------------------------------------------------------------

    @Test
    void readsEverySectionOfAYamlFile() throws IOException {
        Path file = write("""
                server:
                  host: 127.0.0.1
                  port: 7001
                  activity_timeout: 60
                  max_request_body_bytes: 65536
                logging:
                  level: warn
                  levels:
                    switchboard.connection: debug
                  format: json
                apps:
                  - id: shop
                    key: shop-key
                    secret: shop-secret
                    name: Shop
                    client_events: true
                    websocket_compression: true
                    limits:
                      max_connections: 500
                      max_payload_bytes: 2048
                    webhooks:
                      - url: https://hooks.example.test/pusher
                        event_types: [channel_occupied]
                  - id: blog
                    key: blog-key
                    secret: blog-secret
                    enabled: false
                """);

        SwitchboardConfig config = ConfigLoader.load(file, Map.of());

        assertThat(config.demoApp()).isFalse();
        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(7001);
        assertThat(config.server().activityTimeout()).isEqualTo(60);
        assertThat(config.server().maxRequestBodyBytes()).isEqualTo(65536);
        assertThat(config.server().pongTimeout())
                .as("unset keys keep their defaults")
                .isEqualTo(ServerSettings.DEFAULTS.pongTimeout());
        assertThat(config.logging().level()).isEqualTo("warn");
        assertThat(config.logging().levels()).containsEntry("switchboard.connection", "debug");
        assertThat(config.logging().format()).isEqualTo("json");
        assertThat(config.apps()).extracting(App::id).containsExactly("shop", "blog");
        App shop = config.apps().get(0);
        assertThat(shop.key()).isEqualTo("shop-key");
        assertThat(shop.secret()).isEqualTo("shop-secret");
        assertThat(shop.name()).isEqualTo("Shop");
        assertThat(shop.enabled()).isTrue();
        assertThat(shop.clientEvents()).isTrue();
        assertThat(shop.websocketCompression()).isTrue();
        assertThat(shop.limits().maxConnections()).isEqualTo(500);
        assertThat(shop.limits().maxPayloadBytes()).isEqualTo(2048);
        assertThat(shop.limits().maxChannelsPerEvent()).isEqualTo(AppLimits.DEFAULTS.maxChannelsPerEvent());
        assertThat(shop.webhooks()).hasSize(1);
        assertThat(shop.webhooks().get(0).url()).isEqualTo("https://hooks.example.test/pusher");
        assertThat(shop.webhooks().get(0).eventTypes()).containsExactly("channel_occupied");
        App blog = config.apps().get(1);
        assertThat(blog.enabled()).isFalse();
        assertThat(blog.clientEvents())
                .as("client events are off unless enabled")
                .isFalse();
        assertThat(blog.websocketCompression())
                .as("compression is off unless enabled")
                .isFalse();
    }

    @Test
    void servesTheDemoAppWithNoFileAndNoEnvironment() {
        SwitchboardConfig config = ConfigLoader.load(null, Map.of());

        assertThat(config.demoApp()).isTrue();
        assertThat(config.apps()).hasSize(1);
        App demo = config.apps().get(0);
        assertThat(demo.id()).isEqualTo("app-id");
        assertThat(demo.key()).isEqualTo("app-key");
        assertThat(demo.secret()).isEqualTo("app-secret");
        assertThat(config.server()).isEqualTo(ServerSettings.DEFAULTS.withHost("127.0.0.1"));
        assertThat(config.logging()).isEqualTo(LoggingSettings.DEFAULTS);
    }

    @Test
    void theDemoAppListensOnLoopbackUnlessAHostIsSet() throws IOException {
        assertThat(ConfigLoader.load(null, Map.of()).server().host()).isEqualTo("127.0.0.1");
        assertThat(ConfigLoader.load(write("server:\n  host: 0.0.0.0\n"), Map.of())
                        .server()
                        .host())
                .isEqualTo("0.0.0.0");
        assertThat(ConfigLoader.load(null, Map.of("SWITCHBOARD_SERVER__HOST", "0.0.0.0"))
                        .server()
                        .host())
                .isEqualTo("0.0.0.0");
        assertThat(ConfigLoader.load(write(ONE_APP), Map.of()).server().host())
                .as("configured apps listen on every address by default")
                .isEqualTo("0.0.0.0");
    }

    @Test
    void theAdminListenerIsOnLoopbackAndNeedsATokenElsewhere() throws IOException {
        SwitchboardConfig defaults = ConfigLoader.load(write(ONE_APP), Map.of());
        assertThat(defaults.admin().host()).isEqualTo("127.0.0.1");
        assertThat(defaults.admin().requiresToken()).isFalse();

        assertThatThrownBy(() -> ConfigLoader.load(write("admin:\n  host: 0.0.0.0\n" + ONE_APP), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.token: must be set when admin.host is not a loopback address");
        assertThatThrownBy(
                        () -> ConfigLoader.load(write("admin:\n  host: 0.0.0.0\n  token: short\n" + ONE_APP), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.token: must be at least 16 characters");
        assertThatThrownBy(() -> ConfigLoader.load(write("admin:\n  port: 6001\n" + ONE_APP), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.port: must differ from server.port");
        SwitchboardConfig open = ConfigLoader.load(
                write("admin:\n  host: 0.0.0.0\n  token: 0123456789abcdef0123\n" + ONE_APP), Map.of());
        assertThat(open.admin().requiresToken()).isTrue();
    }

    @Test
    void theDashboardIsOnByDefaultAndItsLoginAndLimitsAreChecked() throws IOException {
        DashboardSettings defaults =
                ConfigLoader.load(write(ONE_APP), Map.of()).admin().dashboard();
        assertThat(defaults).isEqualTo(DashboardSettings.DEFAULTS);
        assertThat(defaults.enabled()).isTrue();
        assertThat(defaults.hasUser()).isFalse();

        DashboardSettings set = ConfigLoader.load(
                        write("admin:\n  dashboard:\n    user: ops\n    max_viewers: 3\n" + ONE_APP),
                        Map.of("SWITCHBOARD_ADMIN__DASHBOARD__PASSWORD", "a long password"))
                .admin()
                .dashboard();
        assertThat(set.hasUser()).isTrue();
        assertThat(set.maxViewers()).isEqualTo(3);
        assertThat(set.viewerEventsPerSecond()).isEqualTo(50);

        assertThatThrownBy(() -> ConfigLoader.load(write("admin:\n  dashboard:\n    user: ops\n" + ONE_APP), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.dashboard.password: user and password are set together");
        assertThatThrownBy(() -> ConfigLoader.load(
                        write("admin:\n  dashboard:\n    user: ops\n    password: short\n" + ONE_APP), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.dashboard.password: must be at least 12 characters");
        assertThatThrownBy(() -> ConfigLoader.load(
                        write("admin:\n  dashboard:\n    viewer_events_per_second: 0\n" + ONE_APP), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.dashboard.viewer_events_per_second: must be 1..10000");
        assertThatThrownBy(
                        () -> ConfigLoader.load(write("admin:\n  dashboard:\n    colour: red\n" + ONE_APP), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.dashboard.colour: unknown key");
    }

    @Test
    void servesTheDemoAppForAFileWithoutApps() throws IOException {
        SwitchboardConfig config = ConfigLoader.load(write("server:\n  port: 7002\n"), Map.of());

        assertThat(config.demoApp()).isTrue();
        assertThat(config.apps()).extracting(App::id).containsExactly("app-id");
        assertThat(config.server().port()).isEqualTo(7002);
    }

    @Test
    void readsAnEmptyFileAsDefaults() throws IOException {
        SwitchboardConfig config = ConfigLoader.load(write(""), Map.of());

        assertThat(config.demoApp()).isTrue();
        assertThat(config.server()).isEqualTo(ServerSettings.DEFAULTS.withHost("127.0.0.1"));
    }

    // --- environment ------------------------------------------------------------------------------

    @Test
    void environmentOverridesTheFile() throws IOException {
        Path file = write("server:\n  port: 6001\n" + ONE_APP);

        SwitchboardConfig config = ConfigLoader.load(
                file,
                Map.of(
                        "SWITCHBOARD_SERVER__PORT", "7000",
                        "SWITCHBOARD_APPS__0__SECRET", "from-env",
                        "SWITCHBOARD_APPS__0__LIMITS__MAX_CONNECTIONS", "5",
                        "SWITCHBOARD_LOGGING__LEVEL", "debug"));

        assertThat(config.server().port()).isEqualTo(7000);
        assertThat(config.logging().level()).isEqualTo("debug");
        App app = config.apps().get(0);
        assertThat(app.id()).as("untouched keys come from the file").isEqualTo("shop");
        assertThat(app.key()).isEqualTo("shop-key");
        assertThat(app.secret()).isEqualTo("from-env");
        assertThat(app.limits().maxConnections()).isEqualTo(5);
    }

    @Test
    void createsAnAppPurelyFromTheEnvironment() {
        SwitchboardConfig config = ConfigLoader.load(
                null,
                Map.of(
                        "SWITCHBOARD_APPS__0__ID", "env-app",
                        "SWITCHBOARD_APPS__0__KEY", "env-key",
                        "SWITCHBOARD_APPS__0__SECRET", "env-secret",
                        "SWITCHBOARD_APPS__0__CLIENT_EVENTS", "true",
                        "SWITCHBOARD_APPS__1__ID", "second",
                        "SWITCHBOARD_APPS__1__KEY", "second-key",
                        "SWITCHBOARD_APPS__1__SECRET", "second-secret"));

        assertThat(config.demoApp()).isFalse();
        assertThat(config.apps()).extracting(App::id).containsExactly("env-app", "second");
        App app = config.apps().get(0);
        assertThat(app.key()).isEqualTo("env-key");
        assertThat(app.secret()).isEqualTo("env-secret");
        assertThat(app.clientEvents()).isTrue();
        assertThat(app.limits()).isEqualTo(AppLimits.DEFAULTS);
    }

    @Test
    void ignoresVariablesWithoutThePrefix() {
        SwitchboardConfig config = ConfigLoader.load(
                null, Map.of("SERVER__PORT", "1", "PORT", "2", "SWITCHBOARD_CONFIG", "/nonexistent.yaml"));

        assertThat(config.server().port()).isEqualTo(ServerSettings.DEFAULTS.port());
        assertThat(config.demoApp()).isTrue();
    }

    @Test
    void namesTheKeyOfABadEnvironmentValue() {
        assertConfigError(() -> ConfigLoader.load(null, Map.of("SWITCHBOARD_SERVER__PORT", "abc")))
                .hasMessageContaining("server.port")
                .hasMessageContaining("abc");
        assertConfigError(() -> ConfigLoader.load(null, Map.of("SWITCHBOARD_SERVER__PROT", "7000")))
                .hasMessageContaining("server.prot: unknown key");
        assertConfigError(() -> ConfigLoader.load(null, Map.of("SWITCHBOARD_APPS__0__ID", "half-an-app")))
                .hasMessageContaining("apps[0].key: must be set");
    }

    // --- validation errors ------------------------------------------------------------------------

    @Test
    void refusesUnknownTopLevelKeys() throws IOException {
        Path file = write("sever:\n  port: 7000\n");

        assertError(file).hasMessageContaining("unknown key 'sever'");
    }

    @Test
    void refusesUnknownKeysInServer() throws IOException {
        Path file = write("server:\n  prot: 7000\n");

        assertError(file).hasMessageEndingWith(": server.prot: unknown key 'prot'");
    }

    @Test
    void refusesUnknownKeysInLogging() throws IOException {
        Path file = write("logging:\n  lvl: debug\n");

        assertError(file).hasMessageEndingWith(": logging.lvl: unknown key 'lvl'");
    }

    @Test
    void refusesUnknownKeysInAnApp() throws IOException {
        Path file = write(ONE_APP + "    colour: blue\n");

        assertError(file).hasMessageEndingWith(": apps[0].colour: unknown key 'colour'");
    }

    @Test
    void refusesUnknownKeysInLimits() throws IOException {
        Path file = write(ONE_APP + "    limits:\n      max_conections: 5\n");

        assertError(file).hasMessageEndingWith(": apps[0].limits.max_conections: unknown key 'max_conections'");
    }

    @Test
    void refusesDuplicateAppIds() throws IOException {
        Path file = write(ONE_APP + """
                  - id: shop
                    key: other-key
                    secret: other-secret
                """);

        assertError(file).hasMessageContaining("apps[1].id").hasMessageContaining("also used by apps[0]");
    }

    @Test
    void refusesDuplicateAppKeys() throws IOException {
        Path file = write(ONE_APP + """
                  - id: other
                    key: shop-key
                    secret: other-secret
                """);

        assertError(file).hasMessageContaining("apps[1].key").hasMessageContaining("also used by apps[0]");
    }

    @Test
    void refusesAnEmptyOrMissingSecret() throws IOException {
        assertError(write("apps:\n  - id: shop\n    key: shop-key\n    secret: ''\n"))
                .hasMessageContaining("apps[0].secret")
                .hasMessageContaining("must be set");
        assertError(write("apps:\n  - id: shop\n    key: shop-key\n"))
                .hasMessageEndingWith("apps[0].secret: must be set");
    }

    @Test
    void refusesBadCredentials() throws IOException {
        assertError(write("apps:\n  - id: 'has space'\n    key: k\n    secret: s\n"))
                .hasMessageContaining("apps[0].id");
        assertError(write("apps:\n  - id: shop\n    key: ''\n    secret: s\n")).hasMessageContaining("apps[0].key");
    }

    @Test
    void refusesAPortOutOfRange() throws IOException {
        assertError(write("server:\n  port: 70000\n"))
                .hasMessageContaining("server.port")
                .hasMessageContaining("0..65535");
        assertError(write("server:\n  port: -1\n")).hasMessageContaining("server.port");
    }

    @Test
    void refusesNegativeLimits() throws IOException {
        assertError(write(ONE_APP + "    limits:\n      max_payload_bytes: -5\n"))
                .hasMessageContaining("apps[0].limits.max_payload_bytes")
                .hasMessageContaining("at least 1");
        assertError(write(ONE_APP + "    limits:\n      max_connections: -1\n"))
                .hasMessageContaining("apps[0].limits.max_connections");
        assertError(write(ONE_APP + "    limits:\n      max_batch_size: 0\n"))
                .hasMessageContaining("apps[0].limits.max_batch_size");
    }

    @Test
    void refusesOutOfRangeServerSettings() throws IOException {
        assertError(write("server:\n  max_request_body_bytes: 10\n"))
                .hasMessageContaining("server.max_request_body_bytes");
        assertError(write("server:\n  io: kqueue\n")).hasMessageContaining("server.io");
        assertError(write("server:\n  activity_timeout: 0\n")).hasMessageContaining("server.activity_timeout");
    }

    @Test
    void refusesABadLoggingLevel() throws IOException {
        assertError(write("logging:\n  level: loud\n"))
                .hasMessageContaining("logging.level")
                .hasMessageContaining("must be one of");
        assertError(write("logging:\n  levels:\n    switchboard.api: chatty\n"))
                .hasMessageContaining("logging.levels.switchboard.api");
        assertError(write("logging:\n  format: xml\n")).hasMessageContaining("logging.format");
    }

    @Test
    void refusesAWebhookUrlThatIsNotHttp() throws IOException {
        for (String url : List.of("ftp://hooks.example.test/x", "not a url", "http://")) {
            assertError(write(ONE_APP + "    webhooks:\n      - url: '" + url + "'\n"))
                    .as("url %s", url)
                    .hasMessageContaining("apps[0].webhooks[0].url")
                    .hasMessageContaining("http(s) URL");
        }
    }

    @Test
    void refusesWebhookHeadersThatWouldBreakTheRequest() throws IOException {
        for (String name : List.of(
                "Host",
                "connection",
                "Content-Length",
                "Expect",
                "Upgrade",
                "Transfer-Encoding",
                "Keep-Alive",
                "TE",
                "Content-Type",
                "X-Pusher-Signature")) {
            assertError(write(ONE_APP + "    webhooks:\n      - url: https://a.test/h\n      - url: https://b.test/h\n"
                            + "        headers: {" + name + ": x}\n"))
                    .as("header %s", name)
                    .hasMessageContaining("apps[0].webhooks[1].headers." + name + ": ");
        }
        assertError(write(ONE_APP + "    webhooks:\n      - url: https://a.test/h\n"
                        + "        headers: {\"Bad Name\": x}\n"))
                .hasMessageContaining("apps[0].webhooks[0].headers.Bad Name: ")
                .hasMessageContaining("not a valid header name");
        assertError(write(ONE_APP + "    webhooks:\n      - url: https://a.test/h\n"
                        + "        headers: {X-Token: \"secret\\r\\nX-Evil: 1\"}\n"))
                .hasMessageContaining("apps[0].webhooks[0].headers.X-Token: ")
                .hasMessageNotContaining("secret");
    }

    @Test
    void readsAndChecksTheWebhookBacklogCap() throws IOException {
        assertThat(ConfigLoader.load(write(ONE_APP), Map.of()).webhooks().maxBacklogBytes())
                .isEqualTo(8L * 1024 * 1024);
        assertThat(ConfigLoader.load(write("webhooks:\n  max_backlog_bytes: 65536\n" + ONE_APP), Map.of())
                        .webhooks()
                        .maxBacklogBytes())
                .isEqualTo(65536);
        assertError(write("webhooks:\n  max_backlog_bytes: 100\n" + ONE_APP))
                .hasMessageContaining("webhooks.max_backlog_bytes: must be at least 1024");
    }

    @Test
    void theWebhookQueueSyncIsAlwaysEverySecondOrNever() throws IOException {
        assertThat(ConfigLoader.load(write(ONE_APP), Map.of()).webhooks().sync())
                .isEqualTo("every_second");
        for (String sync : List.of("always", "every_second", "never")) {
            assertThat(ConfigLoader.load(write("webhooks:\n  sync: " + sync + "\n" + ONE_APP), Map.of())
                            .webhooks()
                            .sync())
                    .isEqualTo(sync);
        }
        assertError(write("webhooks:\n  sync: sometimes\n" + ONE_APP))
                .hasMessageContaining("webhooks.sync: must be always, every_second or never");
    }

    @Test
    void acceptsOrdinaryWebhookHeaders() throws IOException {
        SwitchboardConfig config = ConfigLoader.load(
                write(ONE_APP + "    webhooks:\n      - url: https://a.test/h\n"
                        + "        headers: {Authorization: \"Bearer 123\", X-Tenant: shop}\n"),
                Map.of());

        assertThat(config.apps().get(0).webhooks().get(0).headers())
                .containsEntry("Authorization", "Bearer 123")
                .containsEntry("X-Tenant", "shop");
    }

    @Test
    void reportsTheLineOfInvalidYaml() throws IOException {
        Path file = write("""
                server:
                  port: 7000
                apps:
                  - id: shop
                    key: [unclosed
                """);

        assertError(file).hasMessageContaining("not valid YAML").hasMessageMatching("(?s).*line [56]\\b.*");
    }

    @Test
    void refusesValuesOfTheWrongType() throws IOException {
        assertError(write("server:\n  port: \"abc\"\n"))
                .hasMessageContaining("server.port")
                .hasMessageContaining("abc");
        assertError(write(ONE_APP + "    client_events: maybe\n")).hasMessageContaining("apps[0].client_events");
        assertError(write(ONE_APP + "    limits:\n      max_connections: lots\n"))
                .hasMessageContaining("apps[0].limits.max_connections");
        assertError(write("apps:\n  id: shop\n")).hasMessageContaining("apps").hasMessageContaining("list");
        assertError(write("- just\n- a list\n")).hasMessageContaining("mapping");
    }

    @Test
    void refusesAMissingFile() {
        Path missing = dir.resolve("missing.yaml");

        assertConfigError(() -> ConfigLoader.load(missing, Map.of()))
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("no such file");
    }

    // --- helpers ----------------------------------------------------------------------------------

    @Test
    void readsHistoryRulesWithTheirDefaults() throws IOException {
        SwitchboardConfig config = ConfigLoader.load(write(ONE_APP + """
                            history:
                              - channels: "chat-*"
                                max_events: 500
                                rewind: 10
                              - channels: presence-lobby
                                max_age_seconds: 60
                                rewind_seconds: 30
                        broker:
                          history:
                            max_memory_bytes: 10485760
                        """), Map.of());
        assertThat(config.apps().get(0).history())
                .containsExactly(
                        new HistoryRule("chat-*", 500, 86_400, 10, 0),
                        new HistoryRule("presence-lobby", 100, 60, 0, 30));
        assertThat(config.broker().history().maxMemoryBytes()).isEqualTo(10L << 20);
        assertThat(ConfigLoader.load(write(ONE_APP), Map.of()).apps().get(0).history())
                .isEmpty();
        assertThat(ConfigLoader.load(write(ONE_APP), Map.of())
                        .apps()
                        .get(0)
                        .limits()
                        .maxHistoryBytes())
                .isEqualTo(64 << 20);
        assertThat(ConfigLoader.load(write(ONE_APP), Map.of("SWITCHBOARD_APPS__0__HISTORY__0__CHANNELS", "feed-*"))
                        .apps()
                        .get(0)
                        .history())
                .containsExactly(new HistoryRule("feed-*", 100, 86_400, 0, 0));
    }

    @Test
    void badHistoryRulesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(write(ONE_APP + "    history:\n      - max_events: 5\n"), Map.of()))
                .hasMessageContaining("apps[0].history[0].channels: must be set");
        assertThatThrownBy(() -> ConfigLoader.load(
                        write(ONE_APP + "    history:\n      - channels: a\n        max_events: 10001\n"), Map.of()))
                .hasMessageContaining("apps[0].history[0].max_events: must be 1..10000");
        assertThatThrownBy(() -> ConfigLoader.load(
                        write(ONE_APP
                                + "    history:\n      - channels: a\n        max_events: 5\n        rewind: 6\n"),
                        Map.of()))
                .hasMessageContaining("apps[0].history[0].rewind: must be 0 (none) up to max_events (5)");
        assertThatThrownBy(() -> ConfigLoader.load(
                        write(ONE_APP + "    history:\n      - channels: a\n        max_age_seconds: 0\n"), Map.of()))
                .hasMessageContaining("apps[0].history[0].max_age_seconds: must be 1..2592000");
        assertThatThrownBy(
                        () -> ConfigLoader.load(write(ONE_APP + "    history:\n      - channels: \"a b\"\n"), Map.of()))
                .hasMessageContaining("apps[0].history[0].channels");
        assertThatThrownBy(() -> ConfigLoader.load(
                        write(ONE_APP + "    history:\n      - channels: a\n        keep: 5\n"), Map.of()))
                .hasMessageContaining("apps[0].history[0]")
                .hasMessageContaining("unknown key 'keep'");
        assertThatThrownBy(() ->
                        ConfigLoader.load(write(ONE_APP + "broker:\n  history:\n    max_memory_bytes: 10\n"), Map.of()))
                .hasMessageContaining("broker.history.max_memory_bytes: must be at least 1048576");
        assertThatThrownBy(() ->
                        ConfigLoader.load(write(ONE_APP + "    limits:\n      max_history_bytes: 10\n"), Map.of()))
                .hasMessageContaining("apps[0].limits.max_history_bytes: must be at least 1024");
    }

    private Path write(String yaml) throws IOException {
        Path file = Files.createTempFile(dir, "switchboard", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** Asserts loading {@code file} fails with a message that starts with the file's path. */
    private static AbstractThrowableAssert<?, ? extends Throwable> assertError(Path file) {
        return assertConfigError(() -> ConfigLoader.load(file, Map.of())).hasMessageStartingWith(file + ": ");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertConfigError(Runnable load) {
        return assertThatThrownBy(load::run).isInstanceOf(ConfigException.class);
    }
}
