package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Any bytes as the configuration file load to a validated configuration or fail with a {@link
 * ConfigException} that names the file: no other exception, whatever the YAML holds. Inputs:
 * {@code ConfigFileFuzzTestInputs/load/}.
 */
class ConfigFileFuzzTest {
    private static final Path FILE = tempFile();

    // libFuzzer reads one entry per line: a newline is written as the escape \x0A.
    @DictionaryEntries({
        "server:\\x0A  ",
        "apps:\\x0A  - id: a\\x0A    key: k\\x0A    secret: s\\x0A",
        "limits:\\x0A      ",
        "webhooks:\\x0A      - url: http://127.0.0.1/\\x0A",
        "broker:\\x0A  driver: redis\\x0A  redis:\\x0A    ",
        "cluster_nodes: [",
        "logging:\\x0A  levels:\\x0A    ",
        "admin:\\x0A  ",
        "tls:\\x0A  ",
        "port: ",
        "&a ",
        "*a",
        "!!binary ",
        "~",
        "null",
        "- ",
        ": ",
        "{",
        "["
    })
    @FuzzTest
    void load(byte[] yaml) throws IOException {
        Files.write(FILE, yaml);
        try {
            SwitchboardConfig config = ConfigLoader.load(FILE, Map.of());
            assertThat(config.apps()).isNotEmpty();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
        }
    }

    private static Path tempFile() {
        try {
            Path file = Files.createTempFile("switchboard-fuzz", ".yaml");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
