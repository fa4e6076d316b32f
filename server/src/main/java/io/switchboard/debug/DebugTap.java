package io.switchboard.debug;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the server reports what happens in an app, for the debug console. Every method is safe
 * from any thread and never blocks.
 *
 * <p>While nobody in the cluster watches any app, a report costs one volatile read and returns:
 * nothing is allocated or formatted. While some app is watched, a report of another app costs a
 * map lookup more. A report of a watched app takes a token from the app's budget ({@code
 * events_per_second_per_app}, a token bucket shared by every thread) and, when it gets one, makes
 * one small record and hands it to a bounded queue; reports beyond the budget or a full queue are
 * only counted ({@link #takeDropped}) and shown as sampled. The console's relay thread takes the
 * records ({@link #poll}) and formats them there.
 */
public final class DebugTap {
    /** A tap that is never watched, for servers without a dashboard. */
    public static final DebugTap OFF = new DebugTap(1);

    private static final int QUEUE_CAPACITY = 4096;

    private final int perSecondPerApp;
    private final ArrayBlockingQueue<DebugEvent> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);

    /** The watched apps; replaced whole, never changed in place. */
    private volatile Map<String, Budget> watched = Map.of();

    /** @param perSecondPerApp events of one app produced per second at most (a second's worth at once) */
    public DebugTap(int perSecondPerApp) {
        this.perSecondPerApp = perSecondPerApp;
    }

    /**
     * Produces events for exactly these apps from now on. Called by the console when the apps
     * watched anywhere in the cluster change.
     */
    public synchronized void watch(Set<String> appIds) {
        Map<String, Budget> before = watched;
        if (before.keySet().equals(appIds)) {
            return;
        }
        Map<String, Budget> next = new HashMap<>();
        for (String id : appIds) {
            Budget b = before.get(id);
            next.put(id, b != null ? b : new Budget(perSecondPerApp));
        }
        watched = Map.copyOf(next);
    }

    /** The apps events are produced for. */
    public Set<String> watched() {
        return watched.keySet();
    }

    public boolean watching(String appId) {
        Map<String, Budget> w = watched;
        return !w.isEmpty() && w.containsKey(appId);
    }

    /** The next event, waiting up to {@code timeout}; {@code null} when none came. */
    public DebugEvent poll(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.poll(timeout, unit);
    }

    /** Events of the app left out (over its budget, or the queue full) since the last call. */
    public long takeDropped(String appId) {
        Budget b = watched.get(appId);
        return b == null ? 0 : b.dropped.sumThenReset();
    }

    // --- reports ------------------------------------------------------------------------------------

    public void connectionOpened(
            String appId, String socketId, String transport, int protocol, String client, String version) {
        Budget b = admit(appId);
        if (b != null) {
            offer(
                    b,
                    new DebugEvent.ConnectionOpened(
                            appId, System.currentTimeMillis(), socketId, transport, protocol, client, version));
        }
    }

    public void connectionClosed(String appId, String socketId, String transport, int code, String reason) {
        Budget b = admit(appId);
        if (b != null) {
            offer(
                    b,
                    new DebugEvent.ConnectionClosed(
                            appId, System.currentTimeMillis(), socketId, transport, code, reason));
        }
    }

    public void subscribed(String appId, String socketId, String channel) {
        Budget b = admit(appId);
        if (b != null) {
            offer(b, new DebugEvent.Subscribed(appId, System.currentTimeMillis(), socketId, channel));
        }
    }

    public void unsubscribed(String appId, String socketId, String channel) {
        Budget b = admit(appId);
        if (b != null) {
            offer(b, new DebugEvent.Unsubscribed(appId, System.currentTimeMillis(), socketId, channel));
        }
    }

    public void subscriptionFailed(
            String appId, String socketId, String channel, String type, int status, String message) {
        Budget b = admit(appId);
        if (b != null) {
            offer(
                    b,
                    new DebugEvent.SubscriptionFailed(
                            appId, System.currentTimeMillis(), socketId, channel, type, status, message));
        }
    }

    public void channelChanged(String appId, String channel, boolean occupied) {
        Budget b = admit(appId);
        if (b != null) {
            offer(b, new DebugEvent.ChannelChanged(appId, System.currentTimeMillis(), channel, occupied));
        }
    }

    public void memberChanged(String appId, String channel, String userId, boolean added) {
        Budget b = admit(appId);
        if (b != null) {
            offer(b, new DebugEvent.MemberChanged(appId, System.currentTimeMillis(), channel, userId, added));
        }
    }

    public void apiMessage(String appId, List<String> channels, String event, String data, String excludedSocketId) {
        Budget b = admit(appId);
        if (b != null) {
            offer(
                    b,
                    new DebugEvent.ApiMessage(
                            appId, System.currentTimeMillis(), channels, event, data, excludedSocketId));
        }
    }

    public void clientEvent(String appId, String channel, String event, String data, String socketId, String userId) {
        Budget b = admit(appId);
        if (b != null) {
            offer(
                    b,
                    new DebugEvent.ClientEvent(
                            appId, System.currentTimeMillis(), channel, event, data, socketId, userId));
        }
    }

    public void webhookTry(
            String appId, String url, String outcome, int attempt, int status, String problem, String body) {
        Budget b = admit(appId);
        if (b != null) {
            offer(
                    b,
                    new DebugEvent.WebhookTry(
                            appId, System.currentTimeMillis(), url, outcome, attempt, status, problem, body));
        }
    }

    public void connectionError(String appId, String socketId, int code, String message) {
        Budget b = admit(appId);
        if (b != null) {
            offer(b, new DebugEvent.ConnectionError(appId, System.currentTimeMillis(), socketId, code, message));
        }
    }

    public void apiError(String appId, String method, String path, int status, byte[] body) {
        Budget b = admit(appId);
        if (b != null) {
            offer(b, new DebugEvent.ApiError(appId, System.currentTimeMillis(), method, path, status, body));
        }
    }

    // --- budget -------------------------------------------------------------------------------------

    /** The app's budget when it is watched and has a token left; {@code null} otherwise. */
    private Budget admit(String appId) {
        Map<String, Budget> w = watched;
        if (w.isEmpty()) {
            return null;
        }
        Budget b = w.get(appId);
        return b != null && b.take() ? b : null;
    }

    private void offer(Budget b, DebugEvent event) {
        if (!queue.offer(event)) {
            b.dropped.increment();
        }
    }

    /**
     * One app's token bucket (the generic cell rate algorithm, as the client-event limit), shared by
     * every thread: a compare-and-set per event, and a second's worth at once.
     */
    static final class Budget {
        private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
        private final long intervalNanos;
        private final long burstNanos;
        private final AtomicLong theoreticalArrival = new AtomicLong(System.nanoTime());
        final LongAdder dropped = new LongAdder();

        Budget(int perSecond) {
            intervalNanos = SECOND_NANOS / perSecond;
            burstNanos = (perSecond - 1) * intervalNanos;
        }

        boolean take() {
            long now = System.nanoTime();
            while (true) {
                long tat = theoreticalArrival.get();
                long start = tat - now < 0 ? now : tat;
                if (start - now > burstNanos) {
                    dropped.increment();
                    return false;
                }
                if (theoreticalArrival.compareAndSet(tat, start + intervalNanos)) {
                    return true;
                }
            }
        }
    }
}
