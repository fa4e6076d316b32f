package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Any {@code SWITCHBOARD_*} environment, alone or over a valid file, loads to a validated
 * configuration or fails with a {@link ConfigException}: no other exception. Inputs: {@code
 * ConfigEnvironmentFuzzTestInputs/load/}.
 */
class ConfigEnvironmentFuzzTest {
    private static final Path FILE = file("""
            server:
              port: 7000
            apps:
              - id: a
                key: a-key
                secret: a-secret
                webhooks:
                  - url: http://127.0.0.1:9/hooks
              - id: b
                key: b-key
                secret: b-secret
            """);

    /** Variable names the loader knows, to start from; the fuzzer also makes up its own. */
    private static final String[] NAMES = {
        "SERVER__PORT",
        "SERVER__HOST",
        "SERVER__NODE_ID",
        "SERVER__IO",
        "APPS",
        "APPS__0",
        "APPS__0__ID",
        "APPS__0__KEY",
        "APPS__0__SECRET",
        "APPS__1__ENABLED",
        "APPS__2__ID",
        "APPS__0__LIMITS__MAX_CONNECTIONS",
        "APPS__0__LIMITS",
        "APPS__0__WEBHOOKS__0__URL",
        "APPS__0__WEBHOOKS__0__EVENT_TYPES",
        "APPS__0__WEBHOOKS__0__HEADERS__X_KEY",
        "BROKER__DRIVER",
        "BROKER__REDIS__URL",
        "BROKER__REDIS__CLUSTER_NODES",
        "BROKER__REDIS__CLUSTER_NODES__0",
        "LOGGING__LEVEL",
        "LOGGING__LEVELS__SWITCHBOARD",
        "TLS__PORT",
        "ADMIN__HOST",
        "ADMIN__TOKEN",
        "WEBHOOKS__SYNC",
        "CONFIG",
        "JAVA_OPTS"
    };

    @DictionaryEntries({"SWITCHBOARD_", "__", "__0", "[", "]", "{", "}", ": ", "null", "~", "99999999999"})
    @FuzzTest
    void load(FuzzedDataProvider data) {
        Path file = data.consumeBoolean() ? FILE : null;
        Map<String, String> env = new HashMap<>();
        int n = data.consumeInt(0, 6);
        for (int i = 0; i < n; i++) {
            String name = data.consumeBoolean()
                    ? data.pickValue(NAMES) + (data.consumeBoolean() ? "" : data.consumeString(12))
                    : data.consumeString(40);
            env.put(
                    data.consumeBoolean() ? ConfigLoader.ENV_PREFIX + name.toUpperCase(Locale.ROOT) : name,
                    data.consumeString(80));
        }
        try {
            SwitchboardConfig config = ConfigLoader.load(file, env);
            assertThat(config.apps()).isNotEmpty();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    private static Path file(String yaml) {
        try {
            Path file = Files.createTempFile("switchboard-fuzz", ".yaml");
            file.toFile().deleteOnExit();
            return Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
