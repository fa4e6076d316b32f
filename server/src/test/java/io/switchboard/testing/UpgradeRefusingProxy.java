package io.switchboard.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A loopback TCP proxy in front of a server that behaves like a network that blocks WebSockets: a
 * connection whose first request asks for {@code Upgrade: websocket} gets {@code 403} and is
 * closed, a connection that does not start with HTTP (a TLS handshake) is closed, and everything
 * else is forwarded both ways unchanged.
 */
public final class UpgradeRefusingProxy implements AutoCloseable {
    private static final Pattern UPGRADE = Pattern.compile("(?im)^upgrade:[ \\t]*websocket[ \\t]*\\r?$");
    private static final byte[] FORBIDDEN = ("HTTP/1.1 403 Forbidden\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 22\r\nConnection: close\r\n\r\n"
                    + "WebSockets are blocked")
            .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refusedUpgrades = new AtomicInteger();
    private final AtomicInteger forwarded = new AtomicInteger();
    private volatile boolean closed;

    private UpgradeRefusingProxy(int target) {
        this.target = target;
        listener = Sockets.loopbackListener();
        Thread.ofVirtual().name("proxy-accept").start(this::accept);
    }

    /** Listens on an ephemeral loopback port and forwards to {@code 127.0.0.1:targetPort}. */
    public static UpgradeRefusingProxy start(int targetPort) {
        return new UpgradeRefusingProxy(targetPort);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** WebSocket upgrade requests answered with 403 so far. */
    public int refusedUpgrades() {
        return refusedUpgrades.get();
    }

    /** Connections forwarded to the server so far. */
    public int forwarded() {
        return forwarded.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                open.add(client);
                Thread.ofVirtual().name("proxy-conn").start(() -> serve(client));
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try (client) {
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            int first = in.read();
            if (first < 'A' || first > 'Z') {
                return; // not an HTTP request line, e.g. a TLS ClientHello for wss://
            }
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.write(first);
            int last4 = first;
            while (last4 != 0x0d0a0d0a) { // the blank line after the headers
                int b = in.read();
                if (b < 0 || head.size() > 64 * 1024) {
                    return;
                }
                head.write(b);
                last4 = (last4 << 8) | b;
            }
            if (UPGRADE.matcher(head.toString(StandardCharsets.ISO_8859_1)).find()) {
                refusedUpgrades.incrementAndGet();
                client.getOutputStream().write(FORBIDDEN);
                client.getOutputStream().flush();
                return;
            }
            client.setSoTimeout(0);
            upstream = new Socket(InetAddress.getLoopbackAddress(), target);
            open.add(upstream);
            forwarded.incrementAndGet();
            upstream.getOutputStream().write(head.toByteArray());
            Sockets.splice(client, upstream, "proxy");
        } catch (IOException e) {
            // a side closed; both go
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
                "proxy :%d -> :%d (%d refused upgrades, %d forwarded)",
                port(),
                target,
                refusedUpgrades(),
                forwarded());
    }
}
