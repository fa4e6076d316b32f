package io.switchboard.testing;

import static org.awaitility.Awaitility.await;

import io.switchboard.config.AppStoreSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, on a free loopback port, in a temporary directory, from
 * Debian's {@code postgresql} package ({@code .ci/run} installs it). PostgreSQL refuses to run as
 * root, so as root the server runs as the package's {@code postgres} user (through {@code
 * runuser}); otherwise as the current user. Durability is off (fsync), since it only lives for one
 * test class. Each {@link #newDatabase} is an empty database of its own.
 */
public final class TestPostgres implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path dir;
    private final Path bin;
    private final int port;
    private final boolean asRoot;
    private final Process server;

    private TestPostgres(Path dir, Path bin, int port, boolean asRoot, Process server) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.asRoot = asRoot;
        this.server = server;
    }

    /** Initializes a cluster and starts the server; returns once it accepts connections. */
    public static TestPostgres start() {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            // Under /tmp, which the postgres user can reach whatever the build directory's modes.
            Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "switchboard-pg");
            if (root) {
                UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
            }
            Path data = dir.resolve("data");
            run(
                    root,
                    dir.resolve("initdb.log"),
                    bin.resolve("initdb").toString(),
                    "-D",
                    data.toString(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync");
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(
                    bin.resolve("postgres").toString(),
                    "-D",
                    data.toString(),
                    "-p",
                    Integer.toString(port),
                    "-k",
                    dir.toString(),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=100"));
            Process server = new ProcessBuilder(as(root, command))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server.log").toFile())
                    .start();
            TestPostgres pg = new TestPostgres(dir, bin, port, root, server);
            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            if (!server.isAlive()) {
                                throw new AssertionError(
                                        "PostgreSQL exited: " + Files.readString(dir.resolve("server.log")));
                            }
                            return pg.answers();
                        });
            } catch (RuntimeException | AssertionError e) {
                pg.close();
                throw e;
            }
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest {@code /usr/lib/postgresql/N/bin} with a server in it. */
    private static Path binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("postgres")) && Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(b -> version(b.getParent())))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql:"
                            + " install Debian's package (apt-get install -y postgresql), as .ci/run does"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int version(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static List<String> as(boolean root, List<String> command) {
        if (!root) {
            return command;
        }
        List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        out.addAll(command);
        return out;
    }

    private static void run(boolean root, Path log, String... command) throws IOException {
        Process p = new ProcessBuilder(as(root, List.of(command)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(command[0] + " failed: " + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private boolean answers() {
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "")) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** {@code jdbc:postgresql://127.0.0.1:port/name}. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates an empty database and returns its JDBC URL (user {@code postgres}, no password). */
    public String newDatabase() {
        String name = "switchboard_" + DATABASES.incrementAndGet();
        sql("postgres", "CREATE DATABASE " + name);
        return url(name);
    }

    /** App store settings for a new empty database. */
    public AppStoreSettings newStore() {
        return AppStoreSettings.postgres(newDatabase(), "postgres");
    }

    /** Runs statements in {@code database}, e.g. a change made by hand. */
    public void sql(String database, String... statements) {
        try (Connection c = DriverManager.getConnection(url(database), "postgres", "");
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Stops the server at once (no checkpoint: nothing is kept) and removes its files. */
    @Override
    public void close() {
        try {
            run(
                    asRoot,
                    dir.resolve("stop.log"),
                    bin.resolve("pg_ctl").toString(),
                    "-D",
                    dir.resolve("data").toString(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop");
        } catch (RuntimeException | IOException e) {
            server.destroyForcibly();
        }
        try {
            server.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // left for the system's temporary-file cleanup
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
