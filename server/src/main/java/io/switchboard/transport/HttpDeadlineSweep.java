package io.switchboard.transport;

import io.netty.channel.EventLoop;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The request and idle deadlines of one event loop's HTTP connections, checked once a second by
 * one timer for the whole loop rather than a timer per connection: setting or clearing a deadline
 * is a field write. Deadlines are whole ticks of this sweep's clock and fire up to a second late,
 * never early. Everything runs on the loop's thread.
 */
final class HttpDeadlineSweep implements Runnable {
    private static final int INITIAL_CAPACITY = 64;

    private HttpConnectionGuard[] members = new HttpConnectionGuard[INITIAL_CAPACITY];
    private int size;

    /** Seconds since the sweep started; advanced by {@link #run}. */
    private int tick;

    /** One sweep per event loop, started on first use. */
    static final class PerLoop {
        private final Map<EventLoop, HttpDeadlineSweep> sweeps = new ConcurrentHashMap<>();

        HttpDeadlineSweep of(EventLoop loop) {
            return sweeps.computeIfAbsent(loop, l -> {
                HttpDeadlineSweep sweep = new HttpDeadlineSweep();
                l.scheduleAtFixedRate(sweep, 1, 1, TimeUnit.SECONDS);
                return sweep;
            });
        }
    }

    /** The tick at which a deadline {@code seconds} from now has certainly passed; never 0. */
    int deadline(int seconds) {
        return tick + seconds + 1;
    }

    void add(HttpConnectionGuard guard) {
        if (guard.sweepIndex >= 0) {
            return;
        }
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
        }
        guard.sweepIndex = size;
        members[size++] = guard;
    }

    void remove(HttpConnectionGuard guard) {
        int i = guard.sweepIndex;
        if (i < 0) {
            return;
        }
        HttpConnectionGuard last = members[--size];
        members[i] = last;
        last.sweepIndex = i;
        members[size] = null;
        guard.sweepIndex = -1;
        if (members.length > INITIAL_CAPACITY && size < members.length / 4) {
            members = Arrays.copyOf(members, members.length / 2);
        }
    }

    @Override
    public void run() {
        int now = ++tick;
        // Backwards: an expired connection leaves the sweep when it closes, which may be at once;
        // the entry swapped into its place was already checked.
        for (int i = size - 1; i >= 0; i--) {
            HttpConnectionGuard guard = members[i];
            int deadline = guard.deadlineTick;
            if (deadline != 0 && now >= deadline) {
                guard.deadlinePassed();
            }
        }
    }
}
