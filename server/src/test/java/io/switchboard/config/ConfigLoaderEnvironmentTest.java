package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderEnvironmentTest {

    @Test
    void ignoresTheLauncherJvmOptionsVariable() {
        SwitchboardConfig config = ConfigLoader.load(
                null,
                Map.of(
                        "SWITCHBOARD_JAVA_OPTS", "-Xmx512m -XX:+FlightRecorder",
                        "SWITCHBOARD_SERVER__IO_THREADS", "1"));

        assertThat(config.server().ioThreads()).isEqualTo(1);
    }

    @Test
    void refusesAListIndexTooLargeForAnInt() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SWITCHBOARD_APPS__99999999999__ID", "a")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SWITCHBOARD_APPS__99999999999__ID");
    }

    @Test
    void refusesAListIndexFarBeyondTheList() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SWITCHBOARD_APPS__2000000000__ID", "a")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SWITCHBOARD_APPS__2000000000__ID");
    }
}
