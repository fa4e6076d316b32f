package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppStoreConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsToTheConfigurationFile() {
        SwitchboardConfig config = ConfigLoader.load(null, Map.of());
        assertThat(config.appStore()).isEqualTo(AppStoreSettings.DEFAULTS);
        assertThat(config.appStore().usesPostgres()).isFalse();
        assertThat(config.demoApp()).isTrue();
    }

    @Test
    void postgresComesFromTheFileOrTheEnvironmentAndServesNoDemoApp() throws IOException {
        Path file = write("""
                app_store:
                  driver: postgres
                  url: jdbc:postgresql://db:5432/switchboard
                  user: switchboard
                  pool_size: 8
                """);
        SwitchboardConfig config =
                ConfigLoader.load(file, Map.of("SWITCHBOARD_APP_STORE__PASSWORD", "s3cret-from-env"));
        AppStoreSettings store = config.appStore();
        assertThat(store.usesPostgres()).isTrue();
        assertThat(store.url()).isEqualTo("jdbc:postgresql://db:5432/switchboard");
        assertThat(store.user()).isEqualTo("switchboard");
        assertThat(store.password()).isEqualTo("s3cret-from-env");
        assertThat(store.poolSize()).isEqualTo(8);
        assertThat(store.reloadIntervalSeconds()).isEqualTo(60);
        assertThat(store.toString()).doesNotContain("s3cret-from-env");
        assertThat(config.apps()).as("apps come from the database").isEmpty();
        assertThat(config.demoApp()).isFalse();
    }

    @Test
    void refusesWhatCannotWork() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SWITCHBOARD_APP_STORE__DRIVER", "mysql")))
                .hasMessage("configuration: app_store.driver: must be yaml or postgres");
        assertThatThrownBy(() -> ConfigLoader.load(
                        null,
                        Map.of(
                                "SWITCHBOARD_APP_STORE__DRIVER",
                                "postgres",
                                "SWITCHBOARD_APP_STORE__URL",
                                "postgres://db/switchboard")))
                .hasMessageContaining("app_store.url: must be a JDBC URL of PostgreSQL");
        assertThatThrownBy(() -> ConfigLoader.load(
                        null,
                        Map.of(
                                "SWITCHBOARD_APP_STORE__DRIVER", "postgres",
                                "SWITCHBOARD_APP_STORE__URL", "jdbc:postgresql://db/s",
                                "SWITCHBOARD_APP_STORE__POOL_SIZE", "0")))
                .hasMessage("configuration: app_store.pool_size: must be 1..100");
    }

    @Test
    void previousSecretsAreNotAFileSetting() throws IOException {
        Path file = write("""
                apps:
                  - id: a
                    key: a-key
                    secret: a-secret
                    previous_secrets: []
                """);
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage(file + ": apps[0]: unknown key 'previous_secrets'");
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
