package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image Jib wrote ({@code -Pimage}, run by Failsafe after {@code package}): its
 * configuration, its files, and, where this machine allows (root, for {@code chroot}), the image
 * itself started as a container runtime would start it: its entrypoint and environment, as its
 * non-root user, in its own file system.
 */
class ImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    private static Path tarball;
    private static JsonNode config;
    private static List<Path> layers = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        tarball = Path.of(System.getProperty("image.tarball", "target/switchboard-image.tar"));
        assertThat(tarball).as("built by -Pimage").exists();
        Path image = Files.createDirectories(work.resolve("image"));
        run(List.of("tar", "-xf", tarball.toString(), "-C", image.toString()), Map.of(), 60);
        JsonNode manifest =
                JSON.readTree(image.resolve("manifest.json").toFile()).get(0);
        config = JSON.readTree(image.resolve(manifest.get("Config").asText()).toFile())
                .get("config");
        for (JsonNode layer : manifest.get("Layers")) {
            layers.add(image.resolve(layer.asText()));
        }
    }

    @Test
    void runsTheServerAsANonRootUserWithItsFlags() {
        List<String> entrypoint = strings(config.get("Entrypoint"));
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint)
                .contains("--enable-native-access=ALL-UNNAMED", "-XX:MaxRAMPercentage=75")
                .containsSubsequence("-cp", "@/app/jib-classpath-file", "io.switchboard.Main");
        assertThat(entrypoint).contains("-Dswitchboard.version=" + System.getProperty("image.version"));
        String user = config.get("User").asText();
        assertThat(user).isEqualTo("65532:0");
        assertThat(Integer.parseInt(user.substring(0, user.indexOf(':')))).isNotZero();
        assertThat(config.get("WorkingDir").asText()).isEqualTo("/");
    }

    @Test
    void exposesThePortsAndKeepsDataInAVolume() {
        assertThat(names(config.get("ExposedPorts"))).containsExactlyInAnyOrder("6001/tcp", "6002/tcp", "9601/tcp");
        assertThat(names(config.get("Volumes"))).containsExactly("/data");
        assertThat(env()).containsKey("PATH");
        assertThat(env().get("PATH")).as("java on the PATH of either base").contains("/opt/java/openjdk/bin");
    }

    @Test
    void holdsTheClassesTheLibrariesAndAWritableDataDirectory() throws Exception {
        Map<String, String> files = new HashMap<>(); // path -> mode
        for (Path layer : layers) {
            String listing = run(List.of("tar", "-tvzf", layer.toString()), Map.of(), 60);
            for (String line : listing.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 6) {
                    files.put("/" + f[f.length - 1].replaceFirst("^\\./", "").replaceFirst("/$", ""), f[0]);
                }
            }
        }
        assertThat(files).containsKeys("/app/jib-classpath-file", "/app/classes/io/switchboard/Main.class");
        assertThat(files.keySet()).anyMatch(p -> p.matches("/app/libs/netty-transport-native-epoll-.*\\.jar"));
        assertThat(files.get("/data")).as("/data, writable by group 0").isEqualTo("drwxrwxr-x");
    }

    /**
     * Starts the image as a runtime would (entrypoint, environment, user 65532:0, working directory
     * /), in a chroot of its layers with its own /proc: it serves /ready and /metrics and writes its
     * webhook queue to /data.
     */
    @Test
    void startsAndServesFromItsOwnFileSystem() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for chroot");
        assumeTrue(onPath("unshare") && onPath("chroot"), "needs unshare and chroot (util-linux, coreutils)");
        assumeTrue(succeeds(List.of("unshare", "--mount", "true")), "may not make a mount namespace here");
        Path root = Files.createDirectories(work.resolve("rootfs"));
        for (Path layer : layers) {
            run(List.of("tar", "-xzf", layer.toString(), "-C", root.toString()), Map.of(), 120);
        }
        assumeTrue(Files.exists(root.resolve("opt/java/openjdk/bin/java")), "the base has no /opt/java/openjdk");
        Files.createDirectories(root.resolve("proc"));
        int port = freePort();
        int adminPort = freePort();
        Map<String, String> env = new HashMap<>(env());
        env.put("SWITCHBOARD_SERVER__HOST", "127.0.0.1");
        env.put("SWITCHBOARD_SERVER__PORT", Integer.toString(port));
        env.put("SWITCHBOARD_ADMIN__PORT", Integer.toString(adminPort));
        env.put("SWITCHBOARD_APPS__0__ID", "1001");
        env.put("SWITCHBOARD_APPS__0__KEY", "image-key");
        env.put("SWITCHBOARD_APPS__0__SECRET", "image-secret");
        env.put("SWITCHBOARD_APPS__0__WEBHOOKS__0__URL", "http://127.0.0.1:9/hooks");
        // unshare and chroot exec what follows: the process is the JVM itself, which SIGTERM stops.
        List<String> command = new ArrayList<>(List.of(
                "unshare",
                "--mount",
                "--mount-proc=" + root.resolve("proc"),
                "chroot",
                "--userspec=65532:0",
                root.toString()));
        command.addAll(strings(config.get("Entrypoint")));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("container.log").toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process container = pb.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .failFast("the container exited: " + log(), () -> !container.isAlive())
                    .until(() -> status(http, port, "/ready") == 200);
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics).contains("switchboard_event_loop_lag_seconds_count");
            String root404 = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(root404).contains("\"version\":\"" + System.getProperty("image.version") + "\"");
            Path queue = root.resolve("data/webhooks");
            assertThat(queue).as("the webhook queue, in the volume").isDirectory();
            assertThat(Files.getAttribute(queue, "unix:uid")).isEqualTo(65532);
            assertThat(log()).contains("(epoll, 1 apps)");
        } finally {
            container.destroy();
            if (!container.waitFor(30, TimeUnit.SECONDS)) {
                container.destroyForcibly();
            }
        }
        assertThat(log()).contains("stopped");
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        for (String e : strings(config.get("Env"))) {
            int eq = e.indexOf('=');
            env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        return env;
    }

    private static int status(HttpClient http, int port, String path) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String log() {
        try {
            return Files.readString(work.resolve("container.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static boolean succeeds(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String run(List<String> command, Map<String, String> env, int seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS))
                .as("%s finished", command)
                .isTrue();
        assertThat(p.exitValue())
                .as("%s: %s", command, new String(out, StandardCharsets.UTF_8))
                .isZero();
        return new String(out, StandardCharsets.UTF_8);
    }
}
