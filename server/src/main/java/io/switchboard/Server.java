package io.switchboard;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.api.RestApi;
import io.switchboard.app.AppRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.broker.ChannelKey;
import io.switchboard.broker.Command;
import io.switchboard.broker.Envelope;
import io.switchboard.broker.MemoryBroker;
import io.switchboard.broker.RedisBroker;
import io.switchboard.channel.ChannelObserver;
import io.switchboard.channel.ChannelTable;
import io.switchboard.channel.Channels;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.ServerSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.connection.ConnectionGate;
import io.switchboard.connection.Connections;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.SocketIds;
import io.switchboard.protocol.ClientMessageDecoder;
import io.switchboard.protocol.ErrorCodes;
import io.switchboard.transport.HttpServer;
import io.switchboard.transport.IoTransport;
import io.switchboard.transport.ServerContext;
import io.switchboard.transport.WebSocketUpgrade;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
    private final ServerContext context;
    private final HttpServer http;
    private final IoTransport io;
    private boolean stopped;

    private Server(SwitchboardConfig config, Broker broker) throws InterruptedException {
        this.config = config;
        this.broker = broker;
        ServerSettings s = config.server();
        io = IoTransport.select(s.io());
        int threads = s.ioThreads() > 0 ? s.ioThreads() : Runtime.getRuntime().availableProcessors();
        boss = io.newGroup(1, new DefaultThreadFactory("switchboard-accept"));
        workers = io.newGroup(threads, new DefaultThreadFactory("switchboard-io"));
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : workers) {
            loops.add((EventLoop) e);
        }

        AppRegistry apps = new AppRegistry(config.apps());
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
        Channels channels = new Channels(broker, table, ChannelObserver.NONE);
        connections = new Connections();
        broker.start(new Broker.Listener() {
            @Override
            public void onEvent(ChannelKey channel, Envelope envelope) {
                table.deliver(channel, envelope);
            }

            @Override
            public void onCommand(Command command) {
                connections.onCommand(command);
            }

            @Override
            public void memberReaped(ChannelKey channel, String userId) {
                channels.observer().memberRemoved(channel, userId);
            }

            @Override
            public void channelReaped(ChannelKey channel) {
                channels.observer().channelVacated(channel);
            }
        });

        ConnectionGate gate = new ConnectionGate(apps, broker.counts());
        PusherConnection.Context connectionContext = new PusherConnection.Context(
                channels, connections, gate, new ClientMessageDecoder(), s.activityTimeout());
        ServerContext[] holder = new ServerContext[1];
        WebSocketUpgrade webSockets = new WebSocketUpgrade(
                gate,
                connectionContext,
                new SocketIds(),
                s.maxFrameBytes(),
                s.pongTimeout(),
                s.slowConsumerTimeout(),
                4L * s.writeBufferHighWaterMark(),
                () -> holder[0].draining());
        context = new ServerContext(
                new RestApi(apps, channels, Clock.systemUTC()), webSockets, broker::healthy, Version.current());
        holder[0] = context;
        http = HttpServer.bind(
                io,
                boss,
                workers,
                s.host(),
                s.port(),
                context,
                s.maxRequestBodyBytes(),
                new WriteBufferWaterMark(s.writeBufferLowWaterMark(), s.writeBufferHighWaterMark()),
                null);
    }

    private static Broker newBroker(BrokerSettings settings, String configuredNodeId) {
        if (!settings.usesRedis()) {
            return new MemoryBroker();
        }
        String nodeId = configuredNodeId == null || configuredNodeId.isEmpty() ? randomNodeId() : configuredNodeId;
        return RedisBroker.connect(settings.redis(), nodeId);
    }

    private static String randomNodeId() {
        byte[] bytes = new byte[6];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Builds and starts a server; it accepts connections when this returns. */
    public static Server start(SwitchboardConfig config) {
        Broker broker = newBroker(config.broker(), config.server().nodeId());
        try {
            Server server;
            try {
                server = new Server(config, broker);
            } catch (Exception e) { // also Netty's undeclared bind failures
                broker.close();
                throw e;
            }
            log.info(
                    "Switchboard {} listening on {}:{} ({}, {} apps)",
                    Version.current(),
                    config.server().host(),
                    server.port(),
                    server.io.name(),
                    config.apps().size());
            return server;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    public int port() {
        return http.port();
    }

    public SwitchboardConfig config() {
        return config;
    }

    public Connections connections() {
        return connections;
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
        log.info("shutting down: {} connections open", connections.total());
        context.drain();
        http.stopAccepting();
        connections.closeAll(ErrorCodes.RECONNECT, "Server is shutting down, reconnect");
        while ((connections.total() > 0 || context.requestsInFlight() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        broker.close();
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
