package io.switchboard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Byte pipes between two sockets, for the test proxies. */
final class Sockets {
    private Sockets() {}

    /** Copies until {@code from} ends, then ends the other direction's output; both close on an error. */
    static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Copies both ways between {@code client} and {@code upstream} until both directions end. */
    static void splice(Socket client, Socket upstream, String name) throws InterruptedException {
        Thread back = Thread.ofVirtual().name(name + "-back").start(() -> pump(upstream, client));
        pump(client, upstream);
        back.join();
    }

    /** A listening socket on an ephemeral loopback port. */
    static ServerSocket loopbackListener() {
        try {
            ServerSocket listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return listener;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
