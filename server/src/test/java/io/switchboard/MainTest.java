package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.switchboard.testing.NodeProcess;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TrustedCertificate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    @Test
    void printsItsVersion() {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = new CommandLine(new Main()).execute("--version");
        } finally {
            System.setOut(original);
        }

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).isEqualTo("switchboard " + Version.current());
    }

    /**
     * The launcher as an operator runs it: no configuration, so the demo app is served and printed;
     * {@code -p} picks the port, {@code --dev-tls} adds a TLS listener on the next one with a
     * certificate written under the working directory, {@code --log-level} sets the root and one
     * area (the area wins).
     */
    @Test
    void servesAndPrintsTheDemoAppOnThePortGivenWithDevTlsAndTheLogLevelsGiven() throws Exception {
        int port = portFollowedByAFreeOne();
        Path log = dir.resolve("node.log");
        Process node = NodeProcess.start(
                List.of(
                        "-p",
                        Integer.toString(port),
                        "--dev-tls",
                        "--log-level",
                        "root=warn",
                        "--log-level",
                        "switchboard.connection=debug"),
                // -p wins over the environment: port 1 could not be bound.
                Map.of(
                        "SWITCHBOARD_SERVER__PORT",
                        "1",
                        "SWITCHBOARD_ADMIN__PORT",
                        "0",
                        "SWITCHBOARD_SERVER__IO_THREADS",
                        "1"),
                dir,
                port,
                log);
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Files.readString(log).contains("app secret:"));
            String started = Files.readString(log);
            assertThat(started)
                    .contains("No apps configured: serving the demo app")
                    .contains("Listening on 127.0.0.1 only")
                    .contains("app id:     app-id")
                    .contains("app key:    app-key")
                    .contains("app secret: app-secret")
                    .contains("wsPort: " + port)
                    .contains("TLS: wss://localhost:" + (port + 1));
            assertThat(started.lines())
                    .as("root=warn: the start's INFO lines, written before the banner, are not")
                    .noneMatch(l -> l.contains(" INFO "));

            try (RawWebSocket ws = RawWebSocket.connect(port, "/app/app-key?protocol=7")) {
                String socketId = ws.established();
                ws.subscribe("my-channel");
                var rest = new com.pusher.rest.Pusher("http://app-key:app-secret@127.0.0.1:" + port + "/apps/app-id");
                Rest.trigger(rest, "my-channel", "my-event", Map.of("message", "hello"));
                assertThat(ws.awaitEvent("my-event").path("channel").asText()).isEqualTo("my-channel");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> Files.readString(log).contains("DEBUG connection: open " + socketId));
            }

            HttpClient https = HttpClient.newBuilder()
                    .sslContext(TrustedCertificate.sslContext(dir.resolve("data/dev-tls/dev-cert.pem")))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            HttpResponse<String> health = https.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + (port + 1) + "/health"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            node.destroy();
            if (!node.waitFor(20, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    /**
     * {@code --warm-up}: the built-in workload runs against a server of its own (whose start and stop
     * are not logged) before the real one listens, which then serves as usual.
     */
    @Test
    void warmsUpBeforeListeningThenServes() throws Exception {
        int port = portFollowedByAFreeOne();
        Path log = dir.resolve("warm.log");
        Process node = NodeProcess.start(
                List.of("-p", Integer.toString(port), "--warm-up"),
                Map.of("SWITCHBOARD_ADMIN__PORT", "0", "SWITCHBOARD_SERVER__IO_THREADS", "1"),
                dir,
                port,
                log);
        try {
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> Files.readString(log).contains("app secret:"));
            List<String> lines = Files.readString(log).lines().toList();
            int warmed = indexOf(lines, "warmed up in ");
            int listening = indexOf(lines, "listening on 127.0.0.1:" + port);
            assertThat(warmed).as("warm-up logged").isGreaterThanOrEqualTo(0);
            assertThat(listening).as("listening after the warm-up").isGreaterThan(warmed);
            assertThat(lines.subList(0, warmed))
                    .as("the warm-up's own server is not logged")
                    .noneMatch(l -> l.contains("listening on") || l.contains("stopped"));

            try (RawWebSocket ws = RawWebSocket.connect(port, "/app/app-key?protocol=7")) {
                ws.established();
                ws.subscribe("my-channel");
                var rest = new com.pusher.rest.Pusher("http://app-key:app-secret@127.0.0.1:" + port + "/apps/app-id");
                Rest.trigger(rest, "my-channel", "my-event", Map.of("message", "hello"));
                assertThat(ws.awaitEvent("my-event").path("channel").asText()).isEqualTo("my-channel");
            }
        } finally {
            node.destroy();
            if (!node.waitFor(20, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    /** A free loopback port whose next port is free too (for --dev-tls). */
    private static int portFollowedByAFreeOne() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = first.getLocalPort();
                if (port < 65535) {
                    try (ServerSocket next = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress())) {
                        if (next.isBound()) {
                            return port;
                        }
                    } catch (IOException taken) {
                        // try another
                    }
                }
            }
        }
        throw new IllegalStateException("no two free consecutive ports");
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
