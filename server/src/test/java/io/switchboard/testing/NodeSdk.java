package io.switchboard.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The official Node.js server SDK (the {@code pusher} npm package), installed with npm into {@code
 * target/npm} on first use and run by {@code node} with a script of the test's. Tests using it are
 * skipped where no {@code node} and {@code npm} are installed; an install that fails fails the test.
 */
public final class NodeSdk {
    public static final String PACKAGE = "pusher@5.3.4";
    private static final Path DIR = Path.of("target", "npm", PACKAGE.replace('@', '-'));

    private NodeSdk() {}

    /** Runs {@code script} (CommonJS, may {@code require('pusher')}) and returns what it printed. */
    public static String run(String script) throws IOException, InterruptedException {
        assumeTrue(onPath("node") && onPath("npm"), "node and npm are not installed");
        install();
        Path file = DIR.resolve("script-" + System.nanoTime() + ".js");
        Files.writeString(file, script);
        try {
            Process p = new ProcessBuilder("node", file.getFileName().toString())
                    .directory(DIR.toFile())
                    .redirectErrorStream(true)
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("node did not finish within 60 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("node exited with " + p.exitValue() + ":\n" + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static synchronized void install() throws IOException, InterruptedException {
        if (Files.isDirectory(DIR.resolve("node_modules/pusher"))) {
            return;
        }
        Files.createDirectories(DIR);
        Process p = new ProcessBuilder(
                        List.of("npm", "install", "--no-audit", "--no-fund", "--no-save", "--silent", PACKAGE))
                .directory(DIR.toFile())
                .redirectErrorStream(true)
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("npm install " + PACKAGE + " did not finish within 180 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("npm install " + PACKAGE + " failed:\n" + out);
        }
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
