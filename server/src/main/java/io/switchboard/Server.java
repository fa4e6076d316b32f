package io.switchboard;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.admin.AdminApi;
import io.switchboard.admin.LiveState;
import io.switchboard.api.RestApi;
import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.appstore.LiveApps;
import io.switchboard.broker.Broker;
import io.switchboard.broker.redis.RedisBroker;
import io.switchboard.channel.ChannelObserver;
import io.switchboard.channel.Channels;
import io.switchboard.channel.ClusterState;
import io.switchboard.channel.History;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.ServerSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.TlsSettings;
import io.switchboard.connection.ConnectionGate;
import io.switchboard.connection.Connections;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.SocketIds;
import io.switchboard.core.Command;
import io.switchboard.dashboard.Dashboard;
import io.switchboard.debug.DebugTap;
import io.switchboard.metrics.EventLoopLag;
import io.switchboard.metrics.Metrics;
import io.switchboard.protocol.ClientMessageDecoder;
import io.switchboard.protocol.ErrorCodes;
import io.switchboard.transport.HttpLimits;
import io.switchboard.transport.HttpServer;
import io.switchboard.transport.HttpSessions;
import io.switchboard.transport.IoTransport;
import io.switchboard.transport.ServerContext;
import io.switchboard.transport.Tls;
import io.switchboard.transport.WebSocketFraming;
import io.switchboard.transport.WebSocketUpgrade;
import io.switchboard.webhook.WebhookTimings;
import io.switchboard.webhook.Webhooks;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Switchboard: the one place where the parts are built and wired together. */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("switchboard.server");

    private final SwitchboardConfig config;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Broker broker;
    private final Connections connections;
    private final Webhooks webhooks;
    private final Metrics metrics;
    private final EventLoopLag eventLoopLag;
    private final ScheduledFuture<?> insightLog;
    private static final int INSIGHT_LOG_MINUTES = 5;
    private final ServerContext context;
    private final HttpServer http;
    private final HttpServer https;
    private final HttpServer admin;
    private final IoTransport io;
    private final LiveApps liveApps;
    private final Dashboard dashboard;
    private boolean stopped;

    private Server(SwitchboardConfig config, Broker broker, Metrics metrics) throws Exception {
        this.config = config;
        this.broker = broker;
        this.metrics = metrics;
        ServerSettings s = config.server();
        io = IoTransport.select(s.io());
        int threads = s.ioThreads() > 0 ? s.ioThreads() : Runtime.getRuntime().availableProcessors();
        workers = io.newGroup(threads, new DefaultThreadFactory("switchboard-io"));
        // With one I/O thread it accepts too: a separate acceptor would hand every new connection
        // to it across threads (and, on one core, a context switch each way).
        boss = threads == 1 ? workers : io.newGroup(1, new DefaultThreadFactory("switchboard-accept"));
        Webhooks startedWebhooks = null;
        LiveApps startedStore = null;
        try {
            List<EventLoop> loops = new ArrayList<>();
            for (EventExecutor e : workers) {
                loops.add((EventLoop) e);
            }

            liveApps = new LiveApps(ServerParts.appStore(config));
            startedStore = liveApps;
            AppRegistry apps = liveApps.registry();
            boolean dashboardOn = config.admin().dashboard().enabled();
            DebugTap debug =
                    dashboardOn ? new DebugTap(config.admin().dashboard().eventsPerSecondPerApp()) : DebugTap.OFF;
            ClusterState cluster = new ClusterState(broker);
            // Apps changed live may gain webhooks: a writable store always has webhook delivery.
            boolean anyWebhooks = liveApps.store().writable()
                    || apps.all().stream().anyMatch(a -> !a.webhooks().isEmpty());
            webhooks = anyWebhooks
                    ? new Webhooks(
                            apps,
                            config.webhooks(),
                            ServerParts.webhookQueue(config, broker),
                            cluster,
                            new WebhookTimings(
                                    metrics.webhookRequest(true),
                                    metrics.webhookRequest(false),
                                    metrics.webhookDeliveryDelay()),
                            debug)
                    : null;
            startedWebhooks = webhooks;
            WebSocketFraming framing = new WebSocketFraming(ByteBufAllocator.DEFAULT);
            Channels channels = new Channels(
                    broker,
                    cluster,
                    loops,
                    framing,
                    webhooks == null ? ChannelObserver.NONE : webhooks,
                    appId -> {
                        App app = apps.byId(appId);
                        return app != null && app.subscriptionCountEvents();
                    },
                    debug,
                    new History(apps::byId),
                    4L * s.writeBufferHighWaterMark());
            connections = new Connections();
            channels.onCommand(connections::onCommand);
            ConnectionGate gate = new ConnectionGate(apps, cluster, metrics.rejections());
            PusherConnection.Context connectionContext = new PusherConnection.Context(
                    channels,
                    channels.users(),
                    connections,
                    gate,
                    new ClientMessageDecoder(),
                    s.activityTimeout(),
                    metrics.rejections(),
                    debug);
            SocketIds socketIds = new SocketIds();
            WebSocketUpgrade webSockets = new WebSocketUpgrade(
                    gate,
                    connectionContext,
                    socketIds,
                    s.maxFrameBytes(),
                    s.pongTimeout(),
                    s.slowConsumerTimeout(),
                    4L * s.writeBufferHighWaterMark(),
                    s.stalledReaderTimeout(),
                    framing,
                    this::draining);
            HttpSessions httpSessions = new HttpSessions(
                    gate,
                    connectionContext,
                    socketIds,
                    s.pongTimeout(),
                    4L * s.writeBufferHighWaterMark(),
                    s.fallbackDisconnectDelay(),
                    s.maxFallbackSessionsPerAddress(),
                    this::draining);
            RestApi api = new RestApi(
                    apps, channels, connections, Clock.systemUTC(), metrics.restLatency(), metrics.rejections(), debug);
            ServerMetrics meters = new ServerMetrics(metrics, broker, connections, api, webhooks);
            meters.register(apps, channels, httpSessions);
            eventLoopLag = EventLoopLag.start(loops, metrics);
            apps.onChange(changes -> applyAppChanges(changes, apps, meters));
            context = new ServerContext(
                    api, webSockets, httpSessions, broker::healthy, metrics::scrape, Version.current());
            insightLog = boss.next()
                    .scheduleAtFixedRate(
                            () -> meters.logInsight(apps), INSIGHT_LOG_MINUTES, INSIGHT_LOG_MINUTES, TimeUnit.MINUTES);
            HttpLimits httpLimits =
                    new HttpLimits(s.maxRequestBodyBytes(), s.requestTimeout(), s.idleTimeout(), metrics.rejections());
            AdminSettings adminSettings = config.admin();
            LiveState liveState = new LiveState(connections, cluster, webhooks, ServerParts.nodeId(config, broker));
            dashboard = dashboardOn
                    ? new Dashboard(
                            adminSettings,
                            ServerParts.nodeId(config, broker),
                            broker,
                            debug,
                            apps,
                            connections,
                            channels,
                            api,
                            webhooks,
                            liveState)
                    : null;
            if (dashboard != null) {
                channels.routeInternal(Dashboard::carries, dashboard::received);
                channels.onCommand(command -> {
                    if (command instanceof Command.NodeReport report) {
                        dashboard.onReport(report);
                    }
                });
            }
            channels.start();
            http = HttpServer.bind(
                    io,
                    boss,
                    workers,
                    s.host(),
                    s.port(),
                    HttpServer.publicRoutes(context),
                    httpLimits,
                    new WriteBufferWaterMark(s.writeBufferLowWaterMark(), s.writeBufferHighWaterMark()),
                    null);
            admin = adminSettings.enabled()
                    ? HttpServer.bind(
                            io,
                            boss,
                            workers,
                            adminSettings.host(),
                            adminSettings.port(),
                            HttpServer.adminRoutes(
                                    context,
                                    adminSettings,
                                    new AdminApi(liveApps, liveState, Clock.systemUTC(), Version.current()),
                                    dashboard),
                            httpLimits,
                            new WriteBufferWaterMark(s.writeBufferLowWaterMark(), s.writeBufferHighWaterMark()),
                            null)
                    : null;
            TlsSettings tls = config.tls();
            if (tls.enabled()) {
                int tlsPort = tls.port() > 0 ? tls.port() : (s.port() == 0 ? 0 : s.port() + 1);
                https = HttpServer.bind(
                        io,
                        boss,
                        workers,
                        s.host(),
                        tlsPort,
                        HttpServer.publicRoutes(context),
                        httpLimits,
                        new WriteBufferWaterMark(s.writeBufferLowWaterMark(), s.writeBufferHighWaterMark()),
                        Tls.context(tls));
            } else {
                https = null;
            }
            liveApps.start();
            if (dashboard != null) {
                dashboard.start();
            }
        } catch (Exception e) {
            if (startedWebhooks != null) {
                startedWebhooks.close();
            }
            if (startedStore != null) {
                startedStore.close();
            }
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Applies apps changed live (through the admin API, on this node or another): connections of an
     * app disabled, deleted or given another key are closed with 4003 on this node (every node does
     * the same for its own), webhook targets and credentials follow, new apps get their meters.
     * Limits, switches and secrets need nothing here: connections look their app up again on every
     * message, and every request reads the registry.
     */
    private void applyAppChanges(AppRegistry.Changes changes, AppRegistry apps, ServerMetrics meters) {
        for (App gone : changes.removed()) {
            int n = connections.closeApp(gone.id(), ErrorCodes.APP_DISABLED, "Application was deleted");
            log.info("app {} deleted: closed {} connections", gone.id(), n);
        }
        for (App app : changes.changed()) {
            App before = changes.before().get(app.id());
            if (!app.enabled() && before.enabled()) {
                int n = connections.closeApp(app.id(), ErrorCodes.APP_DISABLED, "Application is disabled");
                log.info("app {} disabled: closed {} connections", app.id(), n);
            } else if (!app.key().equals(before.key())) {
                int n = connections.closeApp(app.id(), ErrorCodes.APP_DISABLED, "Application key changed");
                log.info("app {} has a new key: closed {} connections", app.id(), n);
            }
        }
        if (webhooks != null) {
            webhooks.update(apps.all());
        }
        changes.added().forEach(meters::register);
        changes.changed().forEach(meters::register);
    }

    /** Builds and starts a server; it accepts connections when this returns. */
    public static Server start(SwitchboardConfig config) {
        Metrics metrics = new Metrics();
        Broker broker;
        try {
            broker = ServerParts.broker(config.broker(), config.server().nodeId(), metrics);
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        try {
            Server server;
            try {
                server = new Server(config, broker, metrics);
            } catch (Exception e) { // also Netty's undeclared bind failures
                broker.close();
                metrics.close();
                throw e;
            }
            log.info(
                    "Switchboard {} listening on {}:{}{} ({}, {} apps); admin {}",
                    Version.current(),
                    config.server().host(),
                    server.port(),
                    server.https == null ? "" : " and TLS on " + server.tlsPort() + " (" + Tls.providerName() + ")",
                    server.io.name(),
                    server.liveApps.registry().all().size(),
                    server.admin == null
                            ? "off"
                            : "on " + config.admin().host() + ":" + server.adminPort()
                                    + (config.admin().requiresToken() ? " (token required)" : ""));
            return server;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Whether a graceful stop has begun (new connections are refused). */
    private boolean draining() {
        return context != null && context.draining();
    }

    public int port() {
        return http.port();
    }

    /** The admin listener's port, or -1 when it is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** The TLS listener's port, or -1 when TLS is off. */
    public int tlsPort() {
        return https == null ? -1 : https.port();
    }

    public SwitchboardConfig config() {
        return config;
    }

    public Connections connections() {
        return connections;
    }

    /** Webhook delivery, or {@code null} when no app has a webhook. */
    public Webhooks webhooks() {
        return webhooks;
    }

    /**
     * Graceful stop: stop accepting, tell every client to reconnect elsewhere (4200), let in-flight
     * REST requests finish, then release everything; bounded by {@code server.shutdown_timeout}.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        long deadline =
                System.nanoTime() + TimeUnit.SECONDS.toNanos(config.server().shutdownTimeout());
        int openAtStop = connections.total();
        log.info("shutting down: {} connections open", openAtStop);
        context.drain();
        if (dashboard != null) {
            dashboard.close(); // ends the console streams, which would otherwise hold their connections
        }
        // No app changes are applied while stopping: the connections are being closed anyway.
        liveApps.close();
        http.stopAccepting();
        if (https != null) {
            https.stopAccepting();
        }
        if (admin != null) {
            admin.stopAccepting();
        }
        try {
            connections.closeAllSpread(
                    ErrorCodes.RECONNECT,
                    "Server is shutting down, reconnect",
                    Duration.ofSeconds(config.server().shutdownSpread()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connections.closeAll(ErrorCodes.RECONNECT, "Server is shutting down, reconnect");
        }
        while ((connections.total() > 0 || context.requestsInFlight() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        insightLog.cancel(false);
        eventLoopLag.close();
        metrics.close();
        // Held-back removals are settled while the broker's stores still answer. In a cluster the
        // clients just told to reconnect come back on other nodes within moments: give them the
        // hold (within the shutdown budget) so a rolling restart reports nobody as gone who did. The broker
        // then reports what this node's leaving removes (some only when Redis answers, some as it
        // leaves the cluster): webhooks close after it.
        if (webhooks != null) {
            long grace = broker instanceof RedisBroker && openAtStop > 0
                    ? Math.min(
                            TimeUnit.MILLISECONDS.toNanos(config.webhooks().removalDelayMs()),
                            Math.max(0, deadline - System.nanoTime()))
                    : 0;
            webhooks.settleHeld(Duration.ofNanos(grace));
        }
        broker.close();
        if (webhooks != null) {
            webhooks.close();
        }
        long remaining = Math.max(0, deadline - System.nanoTime());
        workers.shutdownGracefully(0, remaining, TimeUnit.NANOSECONDS);
        boss.shutdownGracefully(0, remaining, TimeUnit.NANOSECONDS);
        workers.terminationFuture().awaitUninterruptibly(remaining, TimeUnit.NANOSECONDS);
        boss.terminationFuture().awaitUninterruptibly(remaining, TimeUnit.NANOSECONDS);
        log.info("stopped");
    }

    @Override
    public void close() {
        stop();
    }
}
