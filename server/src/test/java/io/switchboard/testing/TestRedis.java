package io.switchboard.testing;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.switchboard.config.RedisSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import redis.embedded.RedisServer;

/**
 * A real redis-server (7.0, from the embedded-redis jar) on free loopback ports: one server, or a
 * Redis Cluster of three masters. No persistence: a restarted server comes back empty. Stop it
 * after the test class ({@code close()}).
 */
public final class TestRedis implements AutoCloseable {
    private final List<Integer> ports;
    private final boolean cluster;
    /** What clients must AUTH with, or {@code null}. */
    private final String password;

    private final Path dir;
    private final List<RedisServer> servers = new ArrayList<>();
    /** The process id of the frozen server, or 0. */
    private volatile long frozen;

    private TestRedis(List<Integer> ports, boolean cluster) {
        this(ports, cluster, null);
    }

    private TestRedis(List<Integer> ports, boolean cluster, String password) {
        this.ports = ports;
        this.cluster = cluster;
        this.password = password;
        try {
            this.dir = Files.createTempDirectory("switchboard-redis");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One Redis server. */
    public static TestRedis standalone() {
        TestRedis redis = new TestRedis(List.of(freePort(false)), false);
        redis.startAll();
        return redis;
    }

    /**
     * One Redis server that refuses clients that do not authenticate with {@code password}
     * ({@code requirepass}); reach it with {@link #withDatabase}, not {@link #with}.
     */
    public static TestRedis standalone(String password) {
        TestRedis redis = new TestRedis(List.of(freePort(false)), false, password);
        redis.startAll();
        return redis;
    }

    /** A Redis Cluster of three masters sharing the 16384 slots, ready for use. */
    public static TestRedis cluster() {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < 3) {
            int port = freePort(true);
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        TestRedis redis = new TestRedis(ports, true);
        redis.startAll();
        redis.formCluster();
        return redis;
    }

    private void startAll() {
        servers.clear();
        for (int port : ports) {
            var builder = RedisServer.builder()
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + dir);
            if (password != null) {
                builder.setting("requirepass " + password);
            }
            if (cluster) {
                builder.setting("cluster-enabled yes")
                        .setting("cluster-config-file " + dir.resolve("nodes-" + port + ".conf"))
                        .setting("cluster-node-timeout 5000");
            }
            RedisServer server = builder.build();
            server.start();
            servers.add(server);
        }
    }

    private void formCluster() {
        int perNode = 16384 / ports.size();
        for (int i = 0; i < ports.size(); i++) {
            int from = i * perNode;
            int to = i == ports.size() - 1 ? 16383 : from + perNode - 1;
            int[] slots = IntStream.rangeClosed(from, to).toArray();
            with(ports.get(i), c -> c.sync().clusterAddSlots(slots));
        }
        for (int i = 1; i < ports.size(); i++) {
            int port = ports.get(i);
            with(ports.get(0), c -> c.sync().clusterMeet("127.0.0.1", port));
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ports.stream().allMatch(port -> {
                    String[] info = new String[1];
                    with(port, c -> info[0] = c.sync().clusterInfo());
                    return info[0].contains("cluster_state:ok") && info[0].contains("cluster_known_nodes:3");
                }));
    }

    /** Runs {@code action} with a connection to the server on {@code port}. */
    public static void with(int port, Consumer<StatefulRedisConnection<String, String>> action) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            action.accept(c);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Runs {@code action} connected to database {@code db} of the (first) server, with its password. */
    public void withDatabase(int db, Consumer<StatefulRedisConnection<String, String>> action) {
        RedisURI.Builder uri =
                RedisURI.builder().withHost("127.0.0.1").withPort(ports.get(0)).withDatabase(db);
        if (password != null) {
            uri.withPassword(password.toCharArray());
        }
        RedisClient client = RedisClient.create(uri.build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            action.accept(c);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    public List<Integer> ports() {
        return ports;
    }

    /** {@code redis://127.0.0.1:port} of the (first) server. */
    public String url() {
        return "redis://127.0.0.1:" + ports.get(0);
    }

    /**
     * Broker settings for this Redis: standalone or cluster, a fresh key prefix each call (so tests
     * sharing a Redis do not see each other), quick heartbeats.
     */
    public RedisSettings settings() {
        RedisSettings base = RedisSettings.DEFAULTS
                .withUrl(url())
                .withKeyPrefix("t" + PREFIXES.incrementAndGet() + ":")
                .withTimings(200, 2000);
        if (!cluster) {
            return base;
        }
        List<String> seeds = new ArrayList<>();
        for (int port : ports) {
            seeds.add("redis://127.0.0.1:" + port);
        }
        return base.withClusterNodes(seeds);
    }

    private static final java.util.concurrent.atomic.AtomicInteger PREFIXES =
            new java.util.concurrent.atomic.AtomicInteger();

    /** Deletes every key, as a Redis restarted without persistence would have none. */
    public void flushAll() {
        for (int port : ports) {
            with(port, c -> c.sync().flushall());
        }
    }

    /** Stops the server(s), as a crash or restart would. */
    public void stop() {
        resume();
        for (RedisServer server : servers) {
            server.stop();
        }
    }

    /**
     * Freezes the (first) server (SIGSTOP): connections stay open, nothing is answered, commands
     * already sent wait in its sockets and run when it is {@link #resume resumed}, with its data.
     */
    public void freeze() {
        long[] pid = new long[1];
        with(
                ports.get(0),
                c -> pid[0] = Long.parseLong(c.sync()
                        .info("server")
                        .lines()
                        .filter(l -> l.startsWith("process_id:"))
                        .findFirst()
                        .orElseThrow()
                        .substring("process_id:".length())
                        .trim()));
        frozen = pid[0];
        signal("-STOP", frozen);
    }

    /** Resumes a {@link #freeze frozen} server (SIGCONT). */
    public void resume() {
        if (frozen > 0) {
            signal("-CONT", frozen);
            frozen = 0;
        }
    }

    private static void signal(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid))
                    .inheritIO()
                    .start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the (standalone) server again on the same port, empty. */
    public void restart() {
        if (cluster) {
            throw new UnsupportedOperationException("restart is for a standalone Redis");
        }
        startAll();
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    /** A free loopback port; for a cluster node also its bus port (port + 10000). */
    public static int freePort(boolean withBusPort) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!withBusPort) {
                return port;
            }
            if (port + 10000 < 65536) {
                try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                    if (bus.isBound()) {
                        return port;
                    }
                } catch (IOException e) {
                    // bus port taken: try another
                }
            }
        }
        throw new IllegalStateException("no free port found");
    }
}
