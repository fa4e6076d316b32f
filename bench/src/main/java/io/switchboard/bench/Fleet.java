package io.switchboard.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A set of WebSocket connections, each subscribed to one channel: opened with a bounded number of
 * handshakes in flight, then handed to a {@link StampHandler} for the measured traffic.
 */
public final class Fleet implements WsConn.Listener, AutoCloseable {
    /** Receives the bench stamps every connection gets. */
    @FunctionalInterface
    public interface StampHandler {
        void onStamp(WsConn c, long sendNanos, long seq);
    }

    private final Io io;
    private final Target target;
    private final List<WsConn> conns = Collections.synchronizedList(new ArrayList<>());
    private final List<WsConn> ready = Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger subscribed = new AtomicInteger();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong disconnects = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger errorSampleCount = new AtomicInteger();
    /** When each connection's TCP connect started, by index: for {@link #setupMicros}. */
    private final Map<Integer, Long> started = new ConcurrentHashMap<>();
    /** From a connection's TCP connect to its {@code subscription_succeeded}, in microseconds. */
    private final Recorder setup = new Recorder(3);

    private volatile Semaphore inFlight;
    private volatile IntFunction<String> channels;
    private volatile boolean privateAuth;
    private volatile StampHandler stamps = (c, t, s) -> {};
    private volatile boolean closing;
    private volatile boolean offerDeflate;

    public Fleet(Io io, Target target) {
        this.io = io;
        this.target = target;
    }

    public void onStamps(StampHandler handler) {
        this.stamps = handler;
    }

    /** Connections opened from now on offer permessage-deflate, as browsers do. */
    public void offerDeflate(boolean offer) {
        this.offerDeflate = offer;
    }

    /** Bytes of every frame the connections received, as on the wire. */
    public long wireBytes() {
        long sum = 0;
        synchronized (conns) {
            for (WsConn c : conns) {
                sum += c.wireBytes;
            }
        }
        return sum;
    }

    /** How many of the subscribed connections the server accepted permessage-deflate for. */
    public int deflateNegotiated() {
        int n = 0;
        synchronized (ready) {
            for (WsConn c : ready) {
                n += c.deflateNegotiated() ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * Opens {@code n} connections, connection {@code i} subscribing to {@code channelOf(i)} (signed
     * when the name starts with {@code private-}), at most {@code parallel} handshakes at a time.
     * Returns when all are subscribed or failed, or after {@code timeoutSeconds}.
     *
     * @return how many are subscribed
     */
    public int open(int n, IntFunction<String> channelOf, int parallel, double timeoutSeconds)
            throws InterruptedException {
        this.channels = channelOf;
        Semaphore permits = new Semaphore(parallel);
        this.inFlight = permits;
        long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
        int base = conns.size();
        for (int i = 0; i < n; i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !permits.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                failures.addAndGet(n - i);
                break;
            }
            started.put(base + i, System.nanoTime());
            conns.add(WsConn.open(io, null, target, this, base + i, null, offerDeflate));
        }
        long left = deadline - System.nanoTime();
        if (left > 0 && permits.tryAcquire(parallel, left, TimeUnit.NANOSECONDS)) {
            permits.release(parallel);
        }
        return subscribed.get();
    }

    @Override
    public void onEstablished(WsConn c) {
        if (target.signin()) {
            String userData = "{\"id\":\"bench-" + c.index + "\"}";
            String auth = target.key() + ":" + signer().hmacHex(c.socketId() + "::user::" + userData);
            c.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"" + auth + "\",\"user_data\":\""
                    + userData.replace("\"", "\\\"") + "\"}}");
        }
        String channel = channels.apply(c.index);
        String auth = null;
        if (channel.startsWith("private-") || channel.startsWith("presence-")) {
            auth = signer().channelAuth(target.key(), c.socketId(), channel);
        }
        c.subscribe(channel, auth);
    }

    private static final ThreadLocal<Signer> SIGNERS = new ThreadLocal<>();

    private Signer signer() {
        Signer s = SIGNERS.get();
        if (s == null) {
            s = new Signer(target.secret());
            SIGNERS.set(s);
        }
        return s;
    }

    @Override
    public void onSubscribed(WsConn c, String channel) {
        if (c.attachment == null) {
            c.attachment = Boolean.TRUE;
            Long start = started.remove(c.index);
            if (start != null) {
                setup.recordValue(Math.max(0, (System.nanoTime() - start) / 1000));
            }
            ready.add(c);
            subscribed.incrementAndGet();
            inFlight.release();
        }
    }

    @Override
    public void onStamp(WsConn c, long sendNanos, long seq) {
        stamps.onStamp(c, sendNanos, seq);
    }

    @Override
    public void onError(WsConn c, String frame) {
        if (c.attachment == null) {
            // Refused before subscribing (bad auth, over a limit): a failed connection.
            c.attachment = Boolean.FALSE;
            failures.incrementAndGet();
            inFlight.release();
            c.close();
        } else {
            errors.incrementAndGet();
        }
        if (errorSampleCount.incrementAndGet() <= 3) {
            errorSamples.add(frame.length() > 300 ? frame.substring(0, 300) : frame);
        }
    }

    @Override
    public void onClosed(WsConn c, String why) {
        if (c.attachment == null) {
            c.attachment = Boolean.FALSE;
            failures.incrementAndGet();
            if (errorSampleCount.incrementAndGet() <= 3) {
                errorSamples.add(why);
            }
            inFlight.release();
        } else if (c.attachment == Boolean.TRUE && !closing) {
            disconnects.incrementAndGet();
            if (errorSampleCount.incrementAndGet() <= 3) {
                errorSamples.add("disconnected: " + why);
            }
        }
    }

    /**
     * From TCP connect to {@code subscription_succeeded} (handshake, {@code connection_established},
     * sign-in, subscribe) of the connections subscribed since the last call, in microseconds.
     */
    public Histogram setupMicros() {
        return setup.getIntervalHistogram();
    }

    /** The subscribed connections, in the order they became ready. */
    public List<WsConn> ready() {
        synchronized (ready) {
            return new ArrayList<>(ready);
        }
    }

    public int subscribed() {
        return subscribed.get();
    }

    /** Connections that never got subscribed. */
    public long failures() {
        return failures.get();
    }

    /** Subscribed connections that closed before {@link #close}. */
    public long disconnects() {
        return disconnects.get();
    }

    /** {@code pusher:error} and subscription errors received. */
    public long errors() {
        return errors.get();
    }

    /** The first few errors, for the result line. */
    public List<String> errorSamples() {
        return new ArrayList<>(errorSamples);
    }

    /** Closes every connection and waits (bounded) until they are closed. */
    @Override
    public void close() {
        closing = true;
        List<WsConn> all;
        synchronized (conns) {
            all = new ArrayList<>(conns);
        }
        List<io.netty.channel.ChannelFuture> futures = new ArrayList<>();
        for (WsConn c : all) {
            if (c.channel() != null) {
                futures.add(c.channel().close());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (var f : futures) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                break;
            }
        }
        conns.clear();
        ready.clear();
    }
}
