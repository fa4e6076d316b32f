package io.switchboard.testing;

import com.pusher.client.Pusher;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PrivateEncryptedChannelEventListener;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;

/**
 * The official Java client (pusher-java-client) with blocking helpers: {@link #connect} returns
 * once connected, {@link #subscribe} once the server confirmed, and every channel event and
 * connection error is recorded for {@link #awaitEvent} and {@link #awaitError}.
 */
public final class SdkClient implements AutoCloseable {
    private static final long WAIT_SECONDS = 5;
    private static final String READY_CHANNEL = "sdk-client-ready";

    private final Pusher pusher;
    private final BlockingQueue<PusherEvent> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    private final List<PusherEvent> skipped = new ArrayList<>();
    private final Map<String, CompletableFuture<Void>> subscriptions = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> disconnected = new CompletableFuture<>();
    private final Recorder recorder = new Recorder();

    private SdkClient(Pusher pusher) {
        this.pusher = pusher;
    }

    /** Connects a client without authorizers. */
    public static SdkClient connect(TestServer server, App app) {
        return connect(server.client(app));
    }

    /** Connects a client whose channel authorizer and user authenticator sign for {@code auth}. */
    public static SdkClient connect(TestServer server, App app, TestAuth auth) {
        return connect(server.client(app, auth));
    }

    /**
     * Connects {@code pusher} and waits until the SDK has finished its own on-connect work.
     *
     * <p>On {@code CONNECTED} the SDK re-sends a subscribe for every channel it knows, from a task
     * queued beside the listeners' callbacks; a channel subscribed between the two would be
     * subscribed twice. A throwaway channel registered before connecting is sent by that task, so
     * its confirmation shows the task has run.
     */
    public static SdkClient connect(Pusher pusher) {
        SdkClient client = new SdkClient(pusher);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        client.subscriptions.put(READY_CHANNEL, ready);
        pusher.subscribe(READY_CHANNEL, client.recorder);
        pusher.connect(client.recorder, ConnectionState.ALL);
        await(client.connected, "connection");
        await(ready, "subscription to " + READY_CHANNEL);
        pusher.unsubscribe(READY_CHANNEL);
        return client;
    }

    public Pusher pusher() {
        return pusher;
    }

    /**
     * Subscribes with the SDK call that fits the name's prefix and waits for the server's {@code
     * subscription_succeeded}.
     */
    public SdkClient subscribe(String channel) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        subscriptions.put(channel, done);
        if (channel.startsWith("presence-")) {
            pusher.subscribePresence(channel, recorder).bindGlobal(recorder);
        } else if (channel.startsWith("private-encrypted-")) {
            pusher.subscribePrivateEncrypted(channel, recorder).bindGlobal(recorder);
        } else if (channel.startsWith("private-")) {
            pusher.subscribePrivate(channel, recorder).bindGlobal(recorder);
        } else {
            pusher.subscribe(channel, recorder).bindGlobal(recorder);
        }
        await(done, "subscription to " + channel);
        return this;
    }

    /**
     * Signs in through the client's user authenticator and waits until the SDK has subscribed to
     * its {@code #server-to-user-{id}} channel; events sent to the user are then recorded.
     */
    public SdkClient signin(String userId) {
        pusher.user().bindGlobal(recorder);
        pusher.signin();
        Awaitility.await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> {
            Channel channel =
                    userId.equals(pusher.user().userId()) ? pusher.getChannel("#server-to-user-" + userId) : null;
            return channel != null && channel.isSubscribed();
        });
        return this;
    }

    /** The members the SDK holds for a presence channel. */
    public Set<User> members(String channel) {
        return pusher.getPresenceChannel(channel).getUsers();
    }

    /** Sends a client event through the SDK (private and presence channels). */
    public void trigger(String channel, String event, String data) {
        if (channel.startsWith("presence-")) {
            pusher.getPresenceChannel(channel).trigger(event, data);
        } else {
            pusher.getPrivateChannel(channel).trigger(event, data);
        }
    }

    /** Skips events until {@code event} arrives on {@code channel}, and returns it. */
    public PusherEvent awaitEvent(String channel, String event) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            PusherEvent e;
            try {
                e = events.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", ex);
            }
            if (e == null) {
                throw new AssertionError(
                        "no " + event + " on " + channel + " within " + WAIT_SECONDS + " s; other events: " + skipped);
            }
            if (event.equals(e.getEventName()) && channel.equals(e.getChannelName())) {
                return e;
            }
            skipped.add(e);
        }
    }

    /** The next {@code pusher:error} the connection reported, as {@code "code message"}. */
    public String awaitError() {
        try {
            String error = errors.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (error == null) {
                throw new AssertionError("no pusher:error within " + WAIT_SECONDS + " s");
            }
            return error;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Disconnects; waits for {@code DISCONNECTED} when the connection was up. A reconnecting SDK
     * just stops retrying: it never reports {@code DISCONNECTED} without a socket to close.
     */
    @Override
    public void close() {
        boolean wasConnected = pusher.getConnection().getState() == ConnectionState.CONNECTED;
        pusher.disconnect();
        if (wasConnected) {
            try {
                disconnected.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // best effort: the server side is torn down after the test anyway
            }
        }
    }

    private static void await(CompletableFuture<Void> future, String what) {
        try {
            future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + WAIT_SECONDS + " s", e);
        }
    }

    /** One listener for every SDK callback; it implements every channel kind's listener. */
    private final class Recorder
            implements ConnectionEventListener, PresenceChannelEventListener, PrivateEncryptedChannelEventListener {
        @Override
        public void onConnectionStateChange(ConnectionStateChange change) {
            if (change.getCurrentState() == ConnectionState.CONNECTED) {
                connected.complete(null);
            } else if (change.getCurrentState() == ConnectionState.DISCONNECTED) {
                disconnected.complete(null);
                connected.completeExceptionally(new IllegalStateException("disconnected"));
            }
        }

        @Override
        public void onError(String message, String code, Exception e) {
            errors.add(code + " " + message);
        }

        @Override
        public void onSubscriptionSucceeded(String channel) {
            subscriptions
                    .computeIfAbsent(channel, c -> new CompletableFuture<>())
                    .complete(null);
        }

        @Override
        public void onAuthenticationFailure(String message, Exception e) {
            for (CompletableFuture<Void> f : subscriptions.values()) {
                f.completeExceptionally(new IllegalStateException("authorization failed: " + message, e));
            }
        }

        @Override
        public void onEvent(PusherEvent event) {
            events.add(event);
        }

        @Override
        public void onDecryptionFailure(String event, String reason) {
            events.add(new PusherEvent("decryption-failure", null, null, event + ": " + reason));
        }

        @Override
        public void onUsersInformationReceived(String channel, Set<User> users) {}

        @Override
        public void userSubscribed(String channel, User user) {}

        @Override
        public void userUnsubscribed(String channel, User user) {}
    }
}
