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
import io.switchboard.appstore.AppStore;
import io.switchboard.appstore.LiveApps;
import io.switchboard.appstore.PostgresAppStore;
import io.switchboard.appstore.YamlAppStore;
import io.switchboard.broker.Broker;
import io.switchboard.broker.ChannelKey;
import io.switchboard.broker.Command;
import io.switchboard.broker.Envelope;
import io.switchboard.broker.MemoryBroker;
import io.switchboard.broker.RedisBroker;
import io.switchboard.broker.memory.MemoryHistory;
import io.switchboard.channel.ChannelObserver;
import io.switchboard.channel.ChannelTable;
import io.switchboard.channel.Channels;
import io.switchboard.channel.History;
import io.switchboard.channel.UserPresence;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.ServerSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.TlsSettings;
import io.switchboard.connection.ConnectionGate;
import io.switchboard.connection.Connections;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.SocketIds;
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
import io.switchboard.transport.WebSocketUpgrade;
import io.switchboard.webhook.FileWebhookQueue;
import io.switchboard.webhook.RedisWebhookQueue;
import io.switchboard.webhook.WebhookQueue;
import io.switchboard.webhook.WebhookTimings;
import io.switchboard.webhook.Webhooks;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
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
        boss = io.newGroup(1, new DefaultThreadFactory("switchboard-accept"));
        workers = io.newGroup(threads, new DefaultThreadFactory("switchboard-io"));
        Webhooks[] started = new Webhooks[1];
        LiveApps[] store = new LiveApps[1];
        try {
            List<EventLoop> loops = new ArrayList<>();
            for (EventExecutor e : workers) {
                loops.add((EventLoop) e);
            }

            liveApps = new LiveApps(appStore(config));
            store[0] = liveApps;
            AppRegistry apps = liveApps.registry();
            boolean dashboardOn = config.admin().dashboard().enabled();
            DebugTap debug =
                    dashboardOn ? new DebugTap(config.admin().dashboard().eventsPerSecondPerApp()) : DebugTap.OFF;
            ChannelTable table = new ChannelTable(loops, ByteBufAllocator.DEFAULT, new ChannelTable.InterestListener() {
                @Override
                public void firstLocalSubscriber(ChannelKey channel) {
                    broker.subscribe(channel);
                }

                @Override
                public void lastLocalSubscriberGone(ChannelKey channel) {
                    broker.unsubscribe(channel);
                }
            });
            // Apps changed live may gain webhooks: a writable store always has webhook delivery.
            boolean anyWebhooks = liveApps.store().writable()
                    || apps.all().stream().anyMatch(a -> !a.webhooks().isEmpty());
            webhooks = anyWebhooks
                    ? new Webhooks(
                            apps,
                            config.webhooks(),
                            webhookQueue(config, broker),
                            broker,
                            new WebhookTimings(
                                    metrics.webhookRequest(true),
                                    metrics.webhookRequest(false),
                                    metrics.webhookDeliveryDelay()),
                            debug)
                    : null;
            started[0] = webhooks;
            Channels channels = new Channels(
                    broker,
                    table,
                    webhooks == null ? ChannelObserver.NONE : webhooks,
                    loops.get(0),
                    appId -> {
                        App app = apps.byId(appId);
                        return app != null && app.subscriptionCountEvents();
                    },
                    debug,
                    new History(apps::byId),
                    4L * s.writeBufferHighWaterMark());
            connections = new Connections();
            UserPresence users = new UserPresence(broker, table);
            broker.start(new Broker.Listener() {
                @Override
                public void onEvent(ChannelKey channel, Envelope envelope) {
                    if (Dashboard.carries(channel)) {
                        if (dashboard != null) {
                            dashboard.received(channel, envelope);
                        }
                        return;
                    }
                    table.deliver(channel, envelope);
                }

                @Override
                public void onCommand(Command command) {
                    if (command instanceof Command.NodeReport report) {
                        if (dashboard != null) {
                            dashboard.onReport(report);
                        }
                        return;
                    }
                    connections.onCommand(command);
                }

                @Override
                public void memberReaped(ChannelKey channel, String userId) {
                    if (!users.reaped(channel, userId)) {
                        channels.observer().memberRemoved(channel, userId, false);
                    }
                }

                @Override
                public void channelReaped(ChannelKey channel) {
                    channels.observer().channelVacated(channel, false);
                }
            });

            ConnectionGate gate = new ConnectionGate(apps, broker.counts(), metrics.rejections());
            PusherConnection.Context connectionContext = new PusherConnection.Context(
                    channels,
                    users,
                    connections,
                    gate,
                    new ClientMessageDecoder(),
                    s.activityTimeout(),
                    metrics.rejections(),
                    debug);
            ServerContext[] holder = new ServerContext[1];
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
                    () -> holder[0].draining());
            HttpSessions httpSessions = new HttpSessions(
                    gate,
                    connectionContext,
                    socketIds,
                    s.pongTimeout(),
                    4L * s.writeBufferHighWaterMark(),
                    s.fallbackDisconnectDelay(),
                    s.maxFallbackSessionsPerAddress(),
                    () -> holder[0].draining());
            RestApi api = new RestApi(
                    apps, channels, connections, Clock.systemUTC(), metrics.restLatency(), metrics.rejections(), debug);
            registerMetrics(apps, table, channels, api, httpSessions);
            eventLoopLag = EventLoopLag.start(loops, metrics);
            apps.onChange(changes -> applyAppChanges(changes, apps, api));
            context = new ServerContext(
                    api, webSockets, httpSessions, broker::healthy, metrics::scrape, Version.current());
            holder[0] = context;
            insightLog = boss.next()
                    .scheduleAtFixedRate(
                            () -> logInsight(apps), INSIGHT_LOG_MINUTES, INSIGHT_LOG_MINUTES, TimeUnit.MINUTES);
            HttpLimits httpLimits =
                    new HttpLimits(s.maxRequestBodyBytes(), s.requestTimeout(), s.idleTimeout(), metrics.rejections());
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
            AdminSettings adminSettings = config.admin();
            LiveState liveState = new LiveState(connections, broker, webhooks, nodeId(config, broker));
            dashboard = dashboardOn
                    ? new Dashboard(
                            adminSettings,
                            nodeId(config, broker),
                            broker,
                            debug,
                            apps,
                            connections,
                            channels,
                            api,
                            webhooks,
                            liveState)
                    : null;
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
            if (started[0] != null) {
                started[0].close();
            }
            if (store[0] != null) {
                store[0].close();
            }
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private void registerMetrics(
            AppRegistry apps, ChannelTable table, Channels channels, RestApi api, HttpSessions sessions) {
        metrics.counter(
                "switchboard.messages.delivered",
                "Frames written to subscribers by fan-out",
                table,
                ChannelTable::delivered);
        metrics.counter(
                "switchboard.events.published",
                "Events published from this node (REST, client events, presence changes)",
                channels,
                Channels::published);
        metrics.gauge("switchboard.http.sessions", "Open HTTP fallback sessions", sessions::size);
        if (broker instanceof MemoryBroker memory) {
            MemoryHistory history = memory.history();
            for (MemoryHistory.Reason reason : MemoryHistory.Reason.values()) {
                metrics.counter(
                        "switchboard.history.evicted",
                        "History events dropped by the memory broker, by the bound that dropped them",
                        history,
                        h -> h.evictions(reason),
                        "reason",
                        reason.name().toLowerCase(java.util.Locale.ROOT));
            }
            metrics.gauge(
                    "switchboard.history.bytes",
                    "Bytes the memory broker's channel histories hold (frames and entries)",
                    history::bytes);
            metrics.gauge(
                    "switchboard.history.events", "Events the memory broker's channel histories hold", history::events);
        }
        if (broker instanceof RedisBroker redis) {
            metrics.counter(
                    "switchboard.broker.reconnects",
                    "Connections to Redis lost and opened again",
                    redis,
                    RedisBroker::reconnects);
            metrics.gauge(
                    "switchboard.broker.up",
                    "1 while Redis answers (as /ready reports), else 0",
                    () -> redis.healthy() ? 1 : 0);
        }
        for (App app : apps.all()) {
            registerAppMetrics(app, api);
        }
    }

    /** An app's meters; registering one that exists already changes nothing. */
    private void registerAppMetrics(App app, RestApi api) {
        String id = app.id();
        for (String transport : List.of("websocket", "xhr_streaming", "xhr_polling")) {
            metrics.gauge(
                    "switchboard.connections",
                    "Open connections on this node",
                    () -> connections.count(id, transport),
                    "app",
                    id,
                    "transport",
                    transport);
        }
        metrics.counter(
                "switchboard.rest.requests", "Authenticated REST requests", api, a -> a.requests(id), "app", id);
        if (webhooks != null && !app.webhooks().isEmpty()) {
            metrics.counter(
                    "switchboard.webhooks.delivered",
                    "Webhook batches delivered",
                    webhooks,
                    w -> w.stats(id).delivered(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.retried",
                    "Webhook delivery attempts that failed and were retried",
                    webhooks,
                    w -> w.stats(id).retried(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.failed",
                    "Webhook batches given up after retry_for_seconds",
                    webhooks,
                    w -> w.stats(id).failed(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.dropped",
                    "Webhook batches dropped, oldest first, because their target's backlog passed"
                            + " webhooks.max_backlog_bytes",
                    webhooks,
                    w -> w.stats(id).dropped(),
                    "app",
                    id);
            metrics.counter(
                    "switchboard.webhooks.lane_errors",
                    "Webhook delivery failures that were not the receiver's (a request the HTTP client refused,"
                            + " a queue error); retried like a failed POST",
                    webhooks,
                    w -> w.stats(id).laneErrors(),
                    "app",
                    id);
            metrics.gauge(
                    "switchboard.webhooks.oldest_age_seconds",
                    "Seconds the oldest undelivered webhook batch has waited (0 when none)",
                    () -> webhooks.stats(id).oldestAgeMillis() / 1000.0,
                    "app",
                    id);
            metrics.gauge(
                    "switchboard.webhooks.queued",
                    "Webhook batches waiting for delivery",
                    () -> webhooks.stats(id).queued(),
                    "app",
                    id);
        }
    }

    /**
     * Applies apps changed live (through the admin API, on this node or another): connections of an
     * app disabled, deleted or given another key are closed with 4003 on this node (every node does
     * the same for its own), webhook targets and credentials follow, new apps get their meters.
     * Limits, switches and secrets need nothing here: connections look their app up again on every
     * message, and every request reads the registry.
     */
    private void applyAppChanges(AppRegistry.Changes changes, AppRegistry apps, RestApi api) {
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
        changes.added().forEach(app -> registerAppMetrics(app, api));
        changes.changed().forEach(app -> registerAppMetrics(app, api));
    }

    private static String nodeId(SwitchboardConfig config, Broker broker) {
        return broker instanceof RedisBroker redis
                ? redis.nodeId()
                : config.server().nodeId();
    }

    /**
     * The configured app store. A PostgreSQL store is given the YAML {@code apps} it does not have
     * yet (by id), so moving from the file to the database is one start with both configured.
     */
    private static AppStore appStore(SwitchboardConfig config) {
        if (!config.appStore().usesPostgres()) {
            return new YamlAppStore(config.apps());
        }
        PostgresAppStore store = new PostgresAppStore(config.appStore());
        try {
            for (App app : config.apps()) {
                if (store.find(app.id()).isEmpty()) {
                    store.create(app);
                    log.info("app store: added app {} from the configuration file", app.id());
                }
            }
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /** Logs, per app with connections, which transports, protocols and client libraries they use. */
    private void logInsight(AppRegistry apps) {
        for (App app : apps.all()) {
            Connections.Insight i = connections.insight(app.id());
            if (i.connections() > 0) {
                log.info(
                        "app {}: {} connections, transports {}, protocols {}, clients {}",
                        app.id(),
                        i.connections(),
                        i.transports(),
                        i.protocols(),
                        i.clients());
            }
        }
    }

    /** In a cluster the queue is shared through Redis, so any node delivers what another formed. */
    private static WebhookQueue webhookQueue(SwitchboardConfig config, Broker broker) {
        if (broker instanceof RedisBroker redis) {
            return RedisWebhookQueue.connect(
                    config.broker().redis(), redis.nodeId(), config.webhooks().maxBacklogBytes());
        }
        return new FileWebhookQueue(
                Path.of(config.webhooks().dataDir(), "webhooks"),
                config.webhooks().sync(),
                config.webhooks().maxBacklogBytes());
    }

    private static Broker newBroker(BrokerSettings settings, String configuredNodeId, Metrics metrics) {
        if (!settings.usesRedis()) {
            return new MemoryBroker(settings.history().maxMemoryBytes());
        }
        String nodeId = configuredNodeId == null || configuredNodeId.isEmpty() ? randomNodeId() : configuredNodeId;
        return RedisBroker.connect(settings.redis(), nodeId, metrics.brokerRoundTrip());
    }

    private static String randomNodeId() {
        byte[] bytes = new byte[6];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Builds and starts a server; it accepts connections when this returns. */
    public static Server start(SwitchboardConfig config) {
        Metrics metrics = new Metrics();
        Broker broker;
        try {
            broker = newBroker(config.broker(), config.server().nodeId(), metrics);
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
