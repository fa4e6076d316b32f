package io.switchboard.testing;

import static org.awaitility.Awaitility.await;

import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PrivateChannel;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.User;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import io.switchboard.app.App;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The official Java client, connected, recording what it receives per channel: event names, and
 * {@code member_added:ID} / {@code member_removed:ID} for presence changes. Close it after use.
 */
public final class NodeClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);

    private final Pusher pusher;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Set<String> subscribed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** One thing a channel delivered. */
    public record Received(String channel, String event, String data) {}

    private NodeClient(Pusher pusher) {
        this.pusher = pusher;
    }

    /** Connects to {@code server} as an anonymous client. */
    public static NodeClient connect(TestServer server, App app) {
        return connected(server.client(app));
    }

    /** Connects to {@code server}; private and presence channels are authorized as {@code userId}. */
    public static NodeClient connect(TestServer server, App app, String userId) {
        return connect(server.port(), app, userId);
    }

    /** Connects to a server on a loopback port (e.g. in another process), authorized as {@code userId}. */
    public static NodeClient connect(int port, App app, String userId) {
        var rest = new com.pusher.rest.Pusher(
                "http://" + app.key() + ":" + app.secret() + "@127.0.0.1:" + port + "/apps/" + app.id());
        TestAuth auth = new TestAuth(rest, app, userId, java.util.Map.of("name", "user " + userId), null);
        PusherOptions options = new PusherOptions()
                .setHost("127.0.0.1")
                .setWsPort(port)
                .setUseTLS(false)
                .setChannelAuthorizer(auth.channels())
                .setUserAuthenticator(auth.users());
        return connected(new Pusher(app.key(), options));
    }

    private static NodeClient connected(Pusher pusher) {
        NodeClient client = new NodeClient(pusher);
        pusher.connect(
                new ConnectionEventListener() {
                    @Override
                    public void onConnectionStateChange(ConnectionStateChange change) {}

                    @Override
                    public void onError(String message, String code, Exception e) {}
                },
                ConnectionState.ALL);
        await().atMost(WAIT).until(() -> pusher.getConnection().getState() == ConnectionState.CONNECTED);
        return client;
    }

    public String socketId() {
        return pusher.getConnection().getSocketId();
    }

    public ConnectionState state() {
        return pusher.getConnection().getState();
    }

    /** Subscribes to a public (or cache) channel and waits for the subscription to succeed. */
    public NodeClient subscribe(String channel) {
        var ch = pusher.subscribe(channel, new Listener(channel));
        ch.bindGlobal(event -> record(channel, event));
        awaitSubscribed(channel);
        return this;
    }

    /** Subscribes to a private channel and waits for the subscription to succeed. */
    public PrivateChannel subscribePrivate(String channel) {
        PrivateChannel ch = pusher.subscribePrivate(channel, new Listener(channel));
        ch.bindGlobal(event -> record(channel, event));
        awaitSubscribed(channel);
        return ch;
    }

    /** Subscribes to a presence channel and waits for the member list. */
    public NodeClient subscribePresence(String channel) {
        var ch = pusher.subscribePresence(channel, new Listener(channel));
        ch.bindGlobal(event -> record(channel, event));
        awaitSubscribed(channel);
        return this;
    }

    private void awaitSubscribed(String channel) {
        await().atMost(WAIT).until(() -> subscribed.contains(channel));
    }

    private void record(String channel, PusherEvent event) {
        if (!event.getEventName().startsWith("pusher")) {
            received.add(new Received(channel, event.getEventName(), event.getData()));
        }
    }

    /** What arrived on {@code channel}, in order. */
    public List<String> names(String channel) {
        List<String> out = new ArrayList<>();
        for (Received r : received) {
            if (r.channel().equals(channel)) {
                out.add(r.event());
            }
        }
        return out;
    }

    /** Waits until {@code channel} delivered exactly {@code names}, in order (and nothing else yet). */
    public void awaitNames(String channel, String... names) {
        await().atMost(WAIT).until(() -> names(channel).size() >= names.length);
        org.assertj.core.api.Assertions.assertThat(names(channel))
                .as("what %s received on %s", socketId(), channel)
                .containsExactly(names);
    }

    public List<Received> received() {
        return received;
    }

    /** Waits until the server closed the connection and the client gave up reconnecting. */
    public void awaitDisconnected() {
        await().atMost(WAIT).until(() -> state() == ConnectionState.DISCONNECTED);
    }

    @Override
    public void close() {
        pusher.disconnect();
    }

    private final class Listener implements PresenceChannelEventListener {
        private final String channel;

        Listener(String channel) {
            this.channel = channel;
        }

        @Override
        public void onSubscriptionSucceeded(String channelName) {
            subscribed.add(channelName);
        }

        @Override
        public void onEvent(PusherEvent event) {}

        @Override
        public void onAuthenticationFailure(String message, Exception e) {}

        @Override
        public void onUsersInformationReceived(String channelName, Set<User> users) {}

        @Override
        public void userSubscribed(String channelName, User user) {
            received.add(new Received(channel, "member_added:" + user.getId(), user.getInfo()));
        }

        @Override
        public void userUnsubscribed(String channelName, User user) {
            received.add(new Received(channel, "member_removed:" + user.getId(), null));
        }
    }
}
