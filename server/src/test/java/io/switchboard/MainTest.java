package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void exitsWith2AndPrintsTheProblemForABadConfigFile() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "server:\n  port: 70000\n");

        Run run = run("--config", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("configuration error").contains(file + ": server.port: must be 0..65535");
    }

    @Test
    void exitsWith2ForAMissingConfigFile() {
        Path missing = dir.resolve("missing.yaml");

        Run run = run("-c", missing.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(missing + ": no such file");
    }

    @Test
    void exitsWith2ForInvalidYaml() throws IOException {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "server:\n  port: [7000\n");

        Run run = run("--config", file.toString(), "--port", "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(file + ": not valid YAML at line");
    }

    @Test
    void trainingRunsItsWorkloadAgainstAServerOfItsOwnAndStops() {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = assertTimeoutPreemptively(
                    Duration.ofSeconds(240), () -> new CommandLine(new Main()).execute("--train"));
            assertThat(code).isZero();
        } finally {
            System.setOut(original);
        }
        // 6 rounds of 400 connections on 40 channels: (200 triggers + 40 batches of 10) x 10 each.
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("training: 6 rounds of 400 connections, 36000 events received");
    }

    private record Run(int exitCode, String err) {}

    /**
     * Runs the command with stderr captured. A bad configuration must make it return at once: had
     * it started a server, {@code call()} would block until the timeout fails the test.
     */
    private static Run run(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code =
                    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> new CommandLine(new Main()).execute(args));
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }
}
