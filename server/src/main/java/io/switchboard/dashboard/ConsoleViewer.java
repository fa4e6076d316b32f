package io.switchboard.dashboard;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One debug console stream: the viewer's filters, its rate ({@code viewer_events_per_second}, a
 * token bucket holding one second's worth) and the count of events left out since the last
 * "sampled" marker. Events arrive from the broker's threads; the state is guarded by this object.
 *
 * <p>The stream's own buffer is the only queue: an event the client has no room for (its unread
 * data above the high-water mark) is counted as left out like one over the rate, and a viewer that
 * reads nothing for {@link #STALLED_SECONDS} is closed. A marker is sent at most once a second,
 * before the next event shown or on the console's tick.
 */
final class ConsoleViewer {
    static final int STALLED_SECONDS = 30;
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    final String appId;
    final String node;
    private final Set<String> types;
    private final String channelFilter;
    private final EventStream stream;
    private final long intervalNanos;
    private final long burstNanos;
    private final long endsAtNanos;
    private final Session session;

    private long theoreticalArrival = System.nanoTime();
    private long dropped;
    private long lastMarkerNanos = System.nanoTime() - SECOND_NANOS;
    private long unwritableSinceNanos;
    private boolean ended;

    /**
     * @param types the types shown; empty for every type
     * @param channelFilter shows only events on a channel whose name contains it; empty for all
     * @param session the login the stream belongs to (ends with it), or {@code null}
     */
    ConsoleViewer(
            String appId,
            String node,
            Set<String> types,
            String channelFilter,
            int perSecond,
            long lifetimeNanos,
            Session session,
            EventStream stream) {
        this.appId = appId;
        this.node = node;
        this.types = types;
        this.channelFilter = channelFilter;
        this.stream = stream;
        this.session = session;
        this.intervalNanos = SECOND_NANOS / perSecond;
        this.burstNanos = (perSecond - 1) * intervalNanos;
        this.endsAtNanos = System.nanoTime() + lifetimeNanos;
    }

    EventStream stream() {
        return stream;
    }

    boolean wants(ConsoleEvents.Received event) {
        if (event.type().equals(ConsoleEvents.SAMPLED)) {
            return true;
        }
        if (!types.isEmpty() && !types.contains(event.type())) {
            return false;
        }
        if (channelFilter.isEmpty()) {
            return true;
        }
        List<String> channels = event.channels();
        for (String c : channels) {
            if (c.contains(channelFilter)) {
                return true;
            }
        }
        return false;
    }

    /** Shows the event if the filters want it and the rate allows; counts it left out otherwise. */
    void offer(ConsoleEvents.Received event) {
        if (!wants(event)) {
            return;
        }
        synchronized (this) {
            if (ended) {
                return;
            }
            long now = System.nanoTime();
            long start = theoreticalArrival - now < 0 ? now : theoreticalArrival;
            if (start - now > burstNanos) {
                dropped++;
                return;
            }
            theoreticalArrival = start + intervalNanos;
            long missed = dropped > 0 && now - lastMarkerNanos >= SECOND_NANOS ? dropped : 0;
            String text = (missed > 0 ? marker(missed) : "") + sse(event.json());
            if (stream.send(text)) {
                markerSent(missed, now);
            } else {
                dropped++;
            }
        }
    }

    /**
     * Once a second: the pending marker, a keep-alive comment every {@code keepAliveSeconds}, and
     * the end of a stream that outlived its lifetime or its login, or whose client stopped reading.
     *
     * @return false when the stream ended
     */
    synchronized boolean tick(boolean keepAlive) {
        if (ended) {
            return false;
        }
        long now = System.nanoTime();
        if (session != null && !session.valid(now)) {
            end("Your login has expired; log in again to go on watching.");
            return false;
        }
        if (now - endsAtNanos > 0) {
            end("This console stream has run for its maximum time; resume to go on watching.");
            return false;
        }
        if (stream.writable()) {
            unwritableSinceNanos = 0;
        } else if (unwritableSinceNanos == 0) {
            unwritableSinceNanos = now;
        } else if (now - unwritableSinceNanos > TimeUnit.SECONDS.toNanos(STALLED_SECONDS)) {
            ended = true;
            stream.end();
            return false;
        }
        long missed = dropped;
        if (missed > 0 && now - lastMarkerNanos >= SECOND_NANOS) {
            if (stream.send(marker(missed))) {
                markerSent(missed, now);
            }
        } else if (keepAlive) {
            stream.send(": keep-alive\n\n");
        }
        return true;
    }

    /** Ends the stream with a last {@code end} event saying why. */
    synchronized void end(String reason) {
        if (ended) {
            return;
        }
        ended = true;
        stream.send("event: end\ndata: "
                + new String(ConsoleEvents.write(g -> g.writeStringField("reason", reason)), StandardCharsets.UTF_8)
                + "\n\n");
        stream.end();
    }

    private String marker(long missed) {
        return sse(ConsoleEvents.sampled(System.currentTimeMillis(), node, missed, "viewer"));
    }

    /** A marker for {@code missed} events reached the client: they are told, no longer pending. */
    private void markerSent(long missed, long now) {
        if (missed > 0) {
            dropped -= missed;
            lastMarkerNanos = now;
        }
    }

    /** One server-sent event carrying {@code json}. */
    static String sse(byte[] json) {
        return "data: " + new String(json, StandardCharsets.UTF_8) + "\n\n";
    }
}
