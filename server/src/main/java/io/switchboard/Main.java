package io.switchboard;

import io.switchboard.app.App;
import io.switchboard.config.ConfigException;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.ServerSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.TlsSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line: {@code switchboard [--config FILE] [--port N] [--log-level AREA=LEVEL]}. */
@Command(
        name = "switchboard",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Self-hosted realtime server speaking the Pusher Channels protocol.")
public final class Main implements Callable<Integer> {

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = "YAML configuration file (default: $SWITCHBOARD_CONFIG, else none)")
    Path config;

    @Option(
            names = {"-p", "--port"},
            paramLabel = "PORT",
            description = "Port to listen on; overrides server.port")
    Integer port;

    @Option(
            names = "--dev-tls",
            description = "Also serve wss:// and https:// with a generated self-signed certificate, on tls.port or"
                    + " the port after --port")
    boolean devTls;

    @Option(
            names = "--log-level",
            paramLabel = "AREA=LEVEL",
            description = "Log level for one area, e.g. switchboard.connection=debug (repeatable; 'root' for all)")
    Map<String, String> logLevels = new LinkedHashMap<>();

    @Option(
            names = "--warm-up",
            description = "Before listening, run the built-in workload of --train against a server of its own for a"
                    + " few seconds, so that the first clients meet compiled code (see docs/deploy.md#warm-start)")
    boolean warmUp;

    @Option(
            names = "--train",
            description = "Run a short built-in workload against a server of the demo app on loopback, then stop"
                    + " (the launcher uses it to record a warm-start cache; see docs/deploy.md)")
    boolean train;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        if (train) {
            return Training.run();
        }
        Map<String, String> env = System.getenv();
        Path file = config;
        if (file == null && env.get("SWITCHBOARD_CONFIG") != null) {
            file = Path.of(env.get("SWITCHBOARD_CONFIG"));
        }
        SwitchboardConfig cfg;
        try {
            cfg = ConfigLoader.load(file, env);
        } catch (ConfigException e) {
            System.err.println("switchboard: configuration error: " + e.getMessage());
            return 2;
        }
        if (port != null) {
            cfg = cfg.withServer(cfg.server().withPort(port));
        }
        if (devTls) {
            TlsSettings t = cfg.tls();
            cfg = cfg.withTls(new TlsSettings(t.port(), t.certFile(), t.keyFile(), true, t.devDir()));
        }
        Map<String, String> levels = new LinkedHashMap<>();
        logLevels.forEach(
                (area, level) -> levels.put(area.equals("root") ? org.slf4j.Logger.ROOT_LOGGER_NAME : area, level));
        Logging.apply(cfg.logging(), levels);

        if (warmUp) {
            warmUp();
        }
        Server server;
        try {
            server = Server.start(cfg);
        } catch (RuntimeException e) {
            System.err.println("switchboard: cannot start: " + e.getMessage());
            return 1;
        }
        if (cfg.demoApp()) {
            System.out.println(banner(cfg.apps().get(0), cfg.server().host(), server.port()));
        }
        if (server.tlsPort() > 0) {
            System.out.println("TLS: wss://localhost:" + server.tlsPort() + " and https://localhost:" + server.tlsPort()
                    + (cfg.tls().dev()
                            ? " (self-signed: trust "
                                    + Path.of(cfg.tls().devDir(), "dev-cert.pem")
                                            .toAbsolutePath() + ", e.g. curl --cacert)"
                            : ""));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.stop();
                            stopped.countDown();
                        },
                        "switchboard-shutdown"));
        stopped.await();
        return 0;
    }

    /** Never stops the start: a warm-up that fails is only logged. */
    private static void warmUp() {
        org.slf4j.Logger log = LoggerFactory.getLogger("switchboard.server");
        try {
            log.info("warmed up in {} ms", Logging.quietly(Training::warmUp));
        } catch (Exception e) {
            log.warn("warm-up failed, starting anyway: {}", e.toString());
        }
    }

    static String banner(App app, String host, int port) {
        return """

        No apps configured: serving the demo app (do not use it in production).
        Listening on %s only%s.
          app id:     %s
          app key:    %s
          app secret: %s

        pusher-js (WebSocket, with the HTTP fallbacks on the same port):
          const pusher = new Pusher('%s', {
            cluster: 'local', forceTLS: false,
            wsHost: '127.0.0.1', wsPort: %d, httpHost: '127.0.0.1', httpPort: %d,
          });
          pusher.subscribe('my-channel').bind('my-event', (data) => console.log(data));

        Trigger an event with the pusher npm SDK:
          new (require('pusher'))({appId: '%s', key: '%s', secret: '%s',
            host: '127.0.0.1', port: '%d', useTLS: false})
            .trigger('my-channel', 'my-event', {message: 'hello'});
        """.formatted(
                        host,
                        host.equals(ServerSettings.DEMO_HOST)
                                ? ": the demo credentials are public, so other machines cannot connect"
                                        + " (set server.host to listen elsewhere)"
                                : "",
                        app.id(),
                        app.key(),
                        app.secret(),
                        app.key(),
                        port,
                        port,
                        app.id(),
                        app.key(),
                        app.secret(),
                        port);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"switchboard " + Version.current()};
        }
    }
}
