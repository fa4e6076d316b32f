package io.switchboard.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Switchboard node in a JVM of its own ({@code io.switchboard.Main} on the test class path),
 * configured through {@code SWITCHBOARD_*} environment variables (or run with command-line
 * options), so a test can kill it hard.
 */
public final class NodeProcess {
    private NodeProcess() {}

    /**
     * Starts a node on {@code 127.0.0.1:port} with one event loop and returns once {@code /ready}
     * answers 200; its output goes to {@code log}. A node that does not become ready is destroyed
     * and the failure carries its log.
     *
     * @param settings further {@code SWITCHBOARD_*} variables (broker, apps, ...)
     */
    public static Process start(int port, Map<String, String> settings, Path log) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SWITCHBOARD_SERVER__HOST", "127.0.0.1");
        env.put("SWITCHBOARD_SERVER__PORT", Integer.toString(port));
        env.put("SWITCHBOARD_SERVER__IO_THREADS", "1");
        env.put("SWITCHBOARD_ADMIN__PORT", "0");
        env.putAll(settings);
        return start(List.of(), env, null, port, log);
    }

    /**
     * Runs the command line {@code switchboard args...} in {@code workDir} (the test's when null),
     * with no {@code SWITCHBOARD_*} variables but {@code env}, and returns once {@code /ready} on
     * {@code port} answers 200; its output goes to {@code log}. A node that does not become ready
     * is destroyed and the failure carries its log.
     */
    public static Process start(List<String> args, Map<String, String> env, Path workDir, int port, Path log)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.switchboard.Main"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("the node exited: " + Files.readString(log));
                        }
                        return ready(port);
                    });
        } catch (RuntimeException | AssertionError e) {
            process.destroyForcibly();
            throw new AssertionError("node on port " + port + " did not become ready:\n" + Files.readString(log), e);
        }
        return process;
    }

    private static boolean ready(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection)
                    URI.create("http://127.0.0.1:" + port + "/ready").toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }
}
