package io.switchboard.transport;

import io.netty.channel.EventLoop;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness of the WebSockets of one event loop, checked once a second by one timer for the whole
 * loop rather than one timer (and one pipeline handler) per connection.
 *
 * <p>The sweep keeps a coarse clock in whole seconds ({@link #tick}); a read stamps it on the
 * connection, which costs a field write, not a clock call. A connection silent for more than
 * {@code activity_timeout} seconds is sent a control ping; one that stays silent for {@code
 * pong_timeout} seconds after it is closed with 4201 (pusher-protocol.md §1.4). One that has data
 * waiting for it and takes none of it for {@code stalled_reader_timeout} seconds is closed with 4100
 * ({@link ReaderProgress}). Everything runs on the loop's thread.
 */
final class LivenessSweep implements Runnable {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");
    private static final int INITIAL_CAPACITY = 64;

    private final int activityTicks;
    private final int pongTicks;
    private final int stalledTicks;
    /** Reused for every epoll socket's {@code TCP_INFO}: the sweep allocates nothing. */
    private final TcpInfo tcpInfo = new TcpInfo();

    private long lastRunNanos = System.nanoTime();
    private WebSocketTransport[] members = new WebSocketTransport[INITIAL_CAPACITY];
    private int size;

    /** Seconds since the sweep started; advanced by {@link #run}. */
    int tick;

    private LivenessSweep(int activityTimeoutSeconds, int pongTimeoutSeconds, int stalledReaderTimeoutSeconds) {
        this.activityTicks = activityTimeoutSeconds;
        this.pongTicks = pongTimeoutSeconds;
        this.stalledTicks = stalledReaderTimeoutSeconds;
    }

    /** One sweep per event loop, started on first use. */
    static final class PerLoop {
        private final Map<EventLoop, LivenessSweep> sweeps = new ConcurrentHashMap<>();
        private final int activityTimeoutSeconds;
        private final int pongTimeoutSeconds;
        private final int stalledReaderTimeoutSeconds;

        PerLoop(int activityTimeoutSeconds, int pongTimeoutSeconds, int stalledReaderTimeoutSeconds) {
            this.activityTimeoutSeconds = activityTimeoutSeconds;
            this.pongTimeoutSeconds = pongTimeoutSeconds;
            this.stalledReaderTimeoutSeconds = stalledReaderTimeoutSeconds;
        }

        LivenessSweep of(EventLoop loop) {
            return sweeps.computeIfAbsent(loop, l -> {
                LivenessSweep sweep =
                        new LivenessSweep(activityTimeoutSeconds, pongTimeoutSeconds, stalledReaderTimeoutSeconds);
                l.scheduleAtFixedRate(sweep, 1, 1, TimeUnit.SECONDS);
                return sweep;
            });
        }
    }

    void add(WebSocketTransport transport) {
        if (transport.sweepIndex >= 0) {
            return;
        }
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
        }
        transport.sweepIndex = size;
        transport.lastReadTick = tick;
        members[size++] = transport;
    }

    void remove(WebSocketTransport transport) {
        int i = transport.sweepIndex;
        if (i < 0) {
            return;
        }
        WebSocketTransport last = members[--size];
        members[i] = last;
        last.sweepIndex = i;
        members[size] = null;
        transport.sweepIndex = -1;
        if (members.length > INITIAL_CAPACITY && size < members.length / 4) {
            members = Arrays.copyOf(members, members.length / 2);
        }
    }

    int size() {
        return size;
    }

    @Override
    public void run() {
        int now = ++tick;
        long nowNanos = System.nanoTime();
        long sinceLastSweepMillis = (nowNanos - lastRunNanos) / 1_000_000;
        lastRunNanos = nowNanos;
        // Backwards: a connection closed during the sweep leaves later, never mid-walk, but this
        // order stays right even if it did (the swapped-in last entry was already checked).
        for (int i = size - 1; i >= 0; i--) {
            WebSocketTransport t = members[i];
            try {
                check(t, now, sinceLastSweepMillis);
            } catch (RuntimeException e) {
                // A periodic task that throws is never run again: one bad socket must not end
                // liveness for the whole loop.
                log.warn("liveness check of {} failed", t, e);
            }
        }
    }

    private void check(WebSocketTransport t, int now, long sinceLastSweepMillis) {
        if (t.stalled(now, stalledTicks, sinceLastSweepMillis, tcpInfo)) {
            t.closeStalled(stalledTicks);
            return;
        }
        if (t.readsPaused) {
            // Not reading the client (it is not reading us): its silence says nothing. The
            // slow-consumer timer decides about it.
            return;
        }
        if (t.awaitingPong) {
            if (now - t.pingTick >= pongTicks) {
                t.pongMissed();
            }
        } else if (now - t.lastReadTick > activityTicks) {
            t.pingTick = now;
            t.ping();
        }
    }
}
