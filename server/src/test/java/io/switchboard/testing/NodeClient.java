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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The official Java client, connected, recording what it receives per channel: event names, and
 * {@code member_added:ID} / {@code member_removed:ID} for presence changes. Close it after use.
 */
public final class NodeClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);
    private static final String READY_CHANNEL = "node-client-ready";

    private final Pusher pusher;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<Void>> subscriptions = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    /** Completed exceptionally when the connection fails before it is up. */
    private final CompletableFuture<Void> failed = new CompletableFuture<>();

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

    /**
     * Connects and waits until the SDK has finished its own on-connect work, as {@link
     * SdkClient#connect(Pusher)} explains: a throwaway channel registered before connecting is
     * subscribed by the SDK's on-connect task, so its confirmation shows that task has run and a
     * channel subscribed from now on is subscribed once. Fails at once with the SDK's error when
     * the connection fails.
     */
    private static NodeClient connected(Pusher pusher) {
        NodeClient client = new NodeClient(pusher);
        pusher.subscribe(READY_CHANNEL, client.new Listener(READY_CHANNEL));
        pusher.connect(client.new ConnectionListener(), ConnectionState.ALL);
        client.waitFor(client.connected, "connection");
        client.awaitSubscribed(READY_CHANNEL);
        pusher.unsubscribe(READY_CHANNEL);
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
        subscriptions.remove(channel);
        var ch = pusher.subscribe(channel, new Listener(channel));
        ch.bindGlobal(event -> record(channel, event));
        awaitSubscribed(channel);
        return this;
    }

    /** Subscribes to a private channel and waits for the subscription to succeed. */
    public PrivateChannel subscribePrivate(String channel) {
        subscriptions.remove(channel);
        PrivateChannel ch = pusher.subscribePrivate(channel, new Listener(channel));
        ch.bindGlobal(event -> record(channel, event));
        awaitSubscribed(channel);
        return ch;
    }

    /** Subscribes to a presence channel and waits for the member list. */
    public NodeClient subscribePresence(String channel) {
        subscriptions.remove(channel);
        var ch = pusher.subscribePresence(channel, new Listener(channel));
        ch.bindGlobal(event -> record(channel, event));
        awaitSubscribed(channel);
        return this;
    }

    /** Waits for the server's confirmation; fails at once when authorization or the connection failed. */
    private void awaitSubscribed(String channel) {
        waitFor(subscription(channel), "subscription to " + channel);
    }

    private CompletableFuture<Void> subscription(String channel) {
        return subscriptions.computeIfAbsent(channel, c -> new CompletableFuture<>());
    }

    /** Waits for {@code future}, which an error the SDK reports completes exceptionally. */
    private void waitFor(CompletableFuture<Void> future, String what) {
        try {
            CompletableFuture.anyOf(future, failed).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + WAIT.toSeconds() + " s", e);
        }
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

    private final class ConnectionListener implements ConnectionEventListener {
        @Override
        public void onConnectionStateChange(ConnectionStateChange change) {
            if (change.getCurrentState() == ConnectionState.CONNECTED) {
                connected.complete(null);
            } else if (change.getCurrentState() == ConnectionState.DISCONNECTED && !connected.isDone()) {
                failed.completeExceptionally(new IllegalStateException("disconnected before connecting"));
            }
        }

        /** Fails the connection when it is not up yet, else the subscriptions still waiting. */
        @Override
        public void onError(String message, String code, Exception e) {
            IllegalStateException error = new IllegalStateException("error " + code + " " + message, e);
            if (!connected.isDone()) {
                failed.completeExceptionally(error);
            }
            subscriptions.values().forEach(f -> f.completeExceptionally(error));
        }
    }

    private final class Listener implements PresenceChannelEventListener {
        private final String channel;

        Listener(String channel) {
            this.channel = channel;
        }

        @Override
        public void onSubscriptionSucceeded(String channelName) {
            subscription(channelName).complete(null);
        }

        @Override
        public void onEvent(PusherEvent event) {}

        @Override
        public void onAuthenticationFailure(String message, Exception e) {
            subscription(channel)
                    .completeExceptionally(
                            new IllegalStateException("authorization of " + channel + " failed: " + message, e));
        }

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
