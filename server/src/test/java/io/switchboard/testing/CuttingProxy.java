package io.switchboard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy that plays a network going away: it forwards bytes both ways unchanged until
 * {@link #cut()} drops every connection at once (the client sees its socket closed, as when a
 * train enters a tunnel); while {@link #refuse()} is in force each new connection is closed as
 * soon as it is accepted, until {@link #admit()}. While {@link #hold()} is in force new connections
 * are accepted but wait, unanswered, until {@link #release()} forwards them (a slow network: the
 * client does not see a failure, so pusher-js does not back off). {@link #target(int)} points new
 * connections at another port, as a load balancer moving to another node.
 */
public final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();
    private volatile int target;
    private volatile boolean refusing;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile boolean closed;

    private CuttingProxy(int target) {
        this.target = target;
        listener = Sockets.loopbackListener();
        Thread.ofVirtual().name("cutting-proxy-accept").start(this::accept);
    }

    /** Listens on an ephemeral loopback port and forwards to {@code 127.0.0.1:targetPort}. */
    public static CuttingProxy start(int targetPort) {
        return new CuttingProxy(targetPort);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** New connections go to {@code 127.0.0.1:port}; open ones stay where they are. */
    public void target(int port) {
        target = port;
    }

    /** Closes every open connection, both sides; returns how many client connections were dropped. */
    public int cut() {
        int dropped = 0;
        for (Socket s : open) {
            if (s.getLocalPort() == port()) {
                dropped++;
            }
            Sockets.closeQuietly(s);
        }
        cuts.incrementAndGet();
        return dropped;
    }

    /** From now on, new connections are closed at once (the server seems unreachable). */
    public void refuse() {
        refusing = true;
    }

    /** From now on, new connections are forwarded again. */
    public void admit() {
        refusing = false;
    }

    /** From now on, new connections wait before they are forwarded, until {@link #release()}. */
    public void hold() {
        gate = new CountDownLatch(1);
    }

    /** Forwards the connections that wait (to the target as it is now), and new ones at once. */
    public void release() {
        gate.countDown();
    }

    /** Client connections accepted so far, refused ones included. */
    public int accepted() {
        return accepted.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                accepted.incrementAndGet();
                if (refusing) {
                    Sockets.closeQuietly(client);
                    continue;
                }
                open.add(client);
                CountDownLatch held = gate;
                Thread.ofVirtual().name("cutting-proxy-conn").start(() -> serve(client, held));
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void serve(Socket client, CountDownLatch held) {
        Socket upstream = null;
        try (client) {
            client.setTcpNoDelay(true);
            if (!held.await(60, TimeUnit.SECONDS)) {
                return; // never released: the client sees its connection closed
            }
            upstream = new Socket(InetAddress.getLoopbackAddress(), target);
            upstream.setTcpNoDelay(true);
            open.add(upstream);
            Sockets.splice(client, upstream, "cutting-proxy");
        } catch (IOException e) {
            // the target is down or a side closed: the client sees its connection closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(client);
            if (upstream != null) {
                open.remove(upstream);
                Sockets.closeQuietly(upstream);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        gate.countDown();
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(Sockets::closeQuietly);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "cutting proxy :%d -> :%d (%d accepted, %d cuts, %s)",
                port(),
                target,
                accepted(),
                cuts.get(),
                refusing ? "refusing" : "forwarding");
    }
}
