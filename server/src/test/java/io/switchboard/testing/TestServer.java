package io.switchboard.testing;

import com.pusher.client.PusherOptions;
import io.switchboard.Server;
import io.switchboard.app.App;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.ServerSettings;
import io.switchboard.config.SwitchboardConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server on an ephemeral loopback port, with helpers that point the official SDKs at it.
 *
 * <p>Registered as an extension it closes itself: a field {@code @RegisterExtension final
 * TestServer server = TestServer.start(app);} gives each test its own server, closed after the
 * test (after the class's {@code @AfterEach} methods, so clients close first); on a static field
 * the server is the class's, closed after all its tests. Otherwise close it after use
 * (try-with-resources).
 */
public final class TestServer implements AutoCloseable, BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final Server server;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Registered on a static field (or on a per-class test instance): lives until all tests ran. */
    private volatile boolean perClass;

    private TestServer(Server server) {
        this.server = server;
    }

    public static TestServer start(App... apps) {
        return start(s -> s, apps);
    }

    /** Starts with changed server settings, e.g. a short activity timeout. */
    public static TestServer start(UnaryOperator<ServerSettings> settings, App... apps) {
        return start(settings, BrokerSettings.DEFAULTS, apps);
    }

    /**
     * Starts one node of a cluster, e.g. {@code TestServer.start(BrokerSettings.redis(redis.settings()),
     * app)}; each node gets a generated node id.
     */
    public static TestServer start(BrokerSettings broker, App... apps) {
        return start(s -> s, broker, apps);
    }

    /** Starts with changed server settings and a broker. */
    public static TestServer start(UnaryOperator<ServerSettings> settings, BrokerSettings broker, App... apps) {
        ServerSettings s = settings.apply(settings());
        if (broker.usesRedis()) {
            s = s.withNodeId("");
        }
        return start(SwitchboardConfig.of(s, List.of(apps)).withBroker(broker));
    }

    /** Starts with a complete configuration (its port is used as given: pass 0 for an ephemeral one). */
    public static TestServer start(SwitchboardConfig config) {
        if (config.admin().port() == AdminSettings.DEFAULTS.port()) {
            config = config.withAdmin(config.admin().withPort(0));
        }
        return new TestServer(Server.start(config));
    }

    /** Settings for tests: loopback, ephemeral port, two event loops, short shutdown. */
    public static ServerSettings settings() {
        return ServerSettings.DEFAULTS.change(s -> {
            s.host = "127.0.0.1";
            s.port = 0;
            s.nodeId = "test";
            s.ioThreads = 2;
            s.shutdownTimeout = 5;
            s.shutdownSpread = 0;
        });
    }

    public Server server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    /** The admin listener's port (metrics, health). */
    public int adminPort() {
        return server.adminPort();
    }

    /** {@code ws://127.0.0.1:port/app/{key}?protocol=7...}, as pusher-js connects. */
    public String wsUri(App app) {
        return "ws://127.0.0.1:" + port() + "/app/" + app.key() + "?protocol=7&client=js&version=8.6.0&flash=false";
    }

    /** A raw WebSocket client, connected to {@code /app/{key}?protocol=7}. */
    public RawWebSocket raw(App app) {
        return RawWebSocket.connect(port(), "/app/" + app.key() + "?protocol=7&client=js&version=8.6.0");
    }

    /** A raw WebSocket client with a small receive buffer (see {@link RawWebSocket#connect(int, String, int)}). */
    public RawWebSocket raw(App app, int receiveBufferBytes) {
        return RawWebSocket.connect(
                port(), "/app/" + app.key() + "?protocol=7&client=js&version=8.6.0", receiveBufferBytes);
    }

    /** A raw WebSocket client on any path and query. */
    public RawWebSocket raw(String pathAndQuery) {
        return RawWebSocket.connect(port(), pathAndQuery);
    }

    /** The official server SDK (pusher-http-java) for {@code app}. */
    public com.pusher.rest.Pusher rest(App app) {
        return new com.pusher.rest.Pusher(
                "http://" + app.key() + ":" + app.secret() + "@127.0.0.1:" + port() + "/apps/" + app.id());
    }

    /** Options for the official Java client (pusher-java-client) pointed at this server. */
    public PusherOptions clientOptions() {
        return new PusherOptions().setHost("127.0.0.1").setWsPort(port()).setUseTLS(false);
    }

    /** The official Java client for {@code app}; not yet connected. */
    public com.pusher.client.Pusher client(App app) {
        return new com.pusher.client.Pusher(app.key(), clientOptions());
    }

    /** The official Java client with channel and user authorizers signing with the app secret. */
    public com.pusher.client.Pusher client(App app, TestAuth auth) {
        PusherOptions options =
                clientOptions().setChannelAuthorizer(auth.channels()).setUserAuthenticator(auth.users());
        return new com.pusher.client.Pusher(app.key(), options);
    }

    /** The HTTP status of {@code GET path} on this server, e.g. 200 or 503 for {@code /ready}. */
    public int httpStatus(String path) {
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net
                    .URI
                    .create("http://127.0.0.1:" + port() + path)
                    .toURL()
                    .openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(10000);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * One sample of {@code GET /metrics} on the admin port, as Prometheus reads it, e.g. {@code
     * metric("switchboard_webhooks_failed_total{app=\"a\"}")}; {@code NaN} when it is not there.
     */
    public double metric(String sample) {
        try {
            var request = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + adminPort() + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(10))
                    .build();
            String text;
            try (var http = java.net.http.HttpClient.newHttpClient()) {
                text = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body();
            }
            for (String line : text.split("\n")) {
                if (line.startsWith(sample + " ")) {
                    return Double.parseDouble(
                            line.substring(sample.length() + 1).trim());
                }
            }
            return Double.NaN;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Stops the server; once, however often it is called. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop();
        }
    }
}
