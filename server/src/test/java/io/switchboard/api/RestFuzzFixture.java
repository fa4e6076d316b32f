package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.broker.memory.MemoryBroker;
import io.switchboard.channel.ChannelObserver;
import io.switchboard.channel.Channels;
import io.switchboard.channel.ClusterState;
import io.switchboard.channel.SharedFrame;
import io.switchboard.connection.ConnectionGate;
import io.switchboard.connection.Connections;
import io.switchboard.connection.PusherConnection;
import io.switchboard.connection.SocketIds;
import io.switchboard.connection.Transport;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import io.switchboard.debug.DebugTap;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.metrics.RestLatency;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ClientMessageDecoder;
import io.switchboard.protocol.ServerFrames;
import io.switchboard.testing.TestAuth;
import io.switchboard.transport.WebSocketFraming;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RestApi} wired as {@code Server} wires it (memory broker, channel table, channels,
 * connections) with two apps whose clients are real {@link PusherConnection}s on one event loop,
 * subscribed through the protocol: the same channel names and user ids in both apps. Their
 * transports only record what reaches them. Fan-out frames come from an unpooled allocator, so the
 * bytes still held after a request are known exactly.
 */
final class RestFuzzFixture implements AutoCloseable {
    static final long NOW = 1_700_000_000L;
    static final String[] CHANNELS = {"news", "private-x", "presence-room", "cache-news", "#server-to-user-u1"};
    static final String[] USERS = {"u1", "u2"};

    final App fuzz;
    final App bystander;
    final RestApi api;
    final UnpooledByteBufAllocator frames = new UnpooledByteBufAllocator(true);

    private final EventLoop loop = new DefaultEventLoop();
    private final MemoryBroker broker = new MemoryBroker();
    private final Connections connections = new Connections();
    private final Channels channels;
    private final ConnectionGate gate;
    private final PusherConnection.Context context;
    private final SocketIds socketIds = new SocketIds();
    private final List<Client> fuzzClients = new ArrayList<>();
    private final List<Client> bystanderClients = new ArrayList<>();

    RestFuzzFixture(App fuzz, App bystander) {
        this.fuzz = fuzz;
        this.bystander = bystander;
        AppRegistry apps = new AppRegistry(List.of(fuzz, bystander));
        ClusterState cluster = new ClusterState(broker);
        channels = new Channels(
                broker,
                cluster,
                List.of(loop),
                new WebSocketFraming(frames),
                ChannelObserver.NONE,
                appId -> false,
                DebugTap.OFF);
        channels.onCommand(connections::onCommand);
        channels.start();
        gate = new ConnectionGate(apps, cluster, LimitRejections.NONE);
        context = new PusherConnection.Context(
                channels,
                channels.users(),
                connections,
                gate,
                new ClientMessageDecoder(),
                120,
                LimitRejections.NONE,
                DebugTap.OFF);
        api = new RestApi(
                apps,
                channels,
                connections,
                Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC),
                RestLatency.NONE,
                LimitRejections.NONE,
                DebugTap.OFF);

        for (String user : USERS) {
            bystanderClients.add(connect(bystander, user));
        }
        channels.publishApiEvent(
                new ChannelKey(bystander.id(), "cache-news"),
                ChannelType.of("cache-news"),
                ServerFrames.event("cached", "cache-news", "{}"),
                null,
                bystander.limits().cacheTtlSeconds());
        reconnectFuzzClients();
    }

    /**
     * Gives the fuzzed app its clients back when a request terminated them, and forgets what they
     * received.
     */
    void reconnectFuzzClients() {
        onLoop(() -> fuzzClients.forEach(c -> c.transport.received.clear()));
        if (fuzzClients.size() == USERS.length && fuzzClients.stream().noneMatch(c -> c.transport.closed)) {
            return;
        }
        fuzzClients.forEach(c -> onLoop(() -> c.connection.onClosed(1000, "fuzz input done")));
        fuzzClients.clear();
        for (String user : USERS) {
            fuzzClients.add(connect(fuzz, user));
        }
    }

    /** Waits until the loop has run what was queued, and the flushes queued by that. */
    void settle() {
        for (int i = 0; i < 3; i++) {
            onLoop(() -> {});
        }
    }

    /** Everything another tenant could notice of the bystander app. */
    record TenantState(
            Connections.Insight insight,
            Map<String, Long> occupied,
            Map<String, Long> counts,
            Map<String, List<Member>> members,
            Map<String, Integer> userCounts,
            String cache,
            long requests,
            List<String> received) {}

    TenantState bystanderState() {
        String app = bystander.id();
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, List<Member>> members = new LinkedHashMap<>();
        Map<String, Integer> userCounts = new LinkedHashMap<>();
        for (String name : CHANNELS) {
            ChannelKey key = new ChannelKey(app, name);
            counts.put(name, join(broker.counts().count(key)));
            if (ChannelType.of(name).presence()) {
                members.put(name, join(broker.presence().members(key)));
                userCounts.put(name, join(broker.presence().userCount(key)));
            }
        }
        byte[] cached = join(broker.cache().get(new ChannelKey(app, "cache-news")));
        List<String> received = new ArrayList<>();
        onLoop(() -> bystanderClients.forEach(c -> received.addAll(c.transport.received())));
        return new TenantState(
                connections.insight(app),
                join(broker.counts().occupied(app, "")),
                counts,
                members,
                userCounts,
                cached == null ? null : new String(cached, StandardCharsets.UTF_8),
                api.requests(app),
                received);
    }

    /** Bytes of fan-out frames not yet released. */
    long heldFrameBytes() {
        return frames.metric().usedDirectMemory() + frames.metric().usedHeapMemory();
    }

    /** A connection of {@code app} signed in as {@code user} and subscribed to every channel. */
    private Client connect(App app, String user) {
        assertThat(join(gate.admit(app.key(), "7", false))).isInstanceOf(ConnectionGate.Admitted.class);
        RecordingTransport transport = new RecordingTransport(loop);
        PusherConnection connection = new PusherConnection(context, app, socketIds.next(), transport, 7, "fuzz", "1");
        transport.connection = connection;
        String socketId = connection.socketId();
        onLoop(() -> {
            connection.open();
            String userData = "{\"id\":\"" + user + "\"}";
            connection.onMessage(frame(
                    "pusher:signin",
                    Map.of("auth", sign(app, socketId + "::user::" + userData), "user_data", userData)));
            for (String channel : CHANNELS) {
                if (channel.startsWith("#")) {
                    continue;
                }
                Map<String, String> data = new LinkedHashMap<>();
                data.put("channel", channel);
                ChannelType type = ChannelType.of(channel);
                if (type.presence()) {
                    String channelData = "{\"user_id\":\"" + user + "\",\"user_info\":{\"name\":\"" + user + "\"}}";
                    data.put("channel_data", channelData);
                    data.put("auth", sign(app, socketId + ":" + channel + ":" + channelData));
                } else if (type.signed()) {
                    data.put("auth", sign(app, socketId + ":" + channel));
                }
                connection.onMessage(frame("pusher:subscribe", data));
            }
        });
        settle();
        List<String> got = new ArrayList<>();
        onLoop(() -> got.addAll(transport.received()));
        assertThat(got)
                .as("what %s of %s received while joining", user, app.id())
                .anySatisfy(f -> assertThat(f).contains("pusher:signin_success"))
                .filteredOn(f -> f.contains("pusher_internal:subscription_succeeded"))
                .hasSize(CHANNELS.length - 1);
        return new Client(connection, transport);
    }

    private static String sign(App app, String message) {
        return app.key() + ":" + TestAuth.hmac(app.secret(), message);
    }

    private static String frame(String event, Map<String, String> data) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var frame = json.createObjectNode().put("event", event);
        frame.set("data", json.valueToTree(data));
        return frame.toString();
    }

    private void onLoop(Runnable task) {
        try {
            loop.submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("event loop task failed", e);
        }
    }

    static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("store did not answer", e);
        }
    }

    @Override
    public void close() {
        settle();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private record Client(PusherConnection connection, RecordingTransport transport) {}

    /** A transport that keeps the JSON of every frame that reaches it. Touched on the loop only. */
    private static final class RecordingTransport implements Transport {
        private final EventLoop loop;
        private final List<String> received = new ArrayList<>();
        PusherConnection connection;
        boolean closed;

        RecordingTransport(EventLoop loop) {
            this.loop = loop;
        }

        List<String> received() {
            return List.copyOf(received);
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public void send(byte[] json) {
            received.add(new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public void write(SharedFrame frame) {
            received.add(new String(frame.json(), StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {}

        @Override
        public void close(int code, String reason) {
            if (!closed) {
                closed = true;
                received.add("closed " + code + " " + reason);
                connection.onClosed(code, reason);
            }
        }

        @Override
        public String kind() {
            return "websocket";
        }

        @Override
        public boolean secure() {
            return false;
        }
    }
}
