package io.switchboard.transport;

import io.switchboard.app.App;
import io.switchboard.connection.PusherConnection;
import io.switchboard.testing.TestServer;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The server's end of a test client's WebSocket, read on its event loop as the server reads it. */
final class ServerSide {
    private ServerSide() {}

    /** The transport of the open connection {@code socketId}. */
    static WebSocketTransport of(TestServer server, App app, String socketId) {
        return server.server().connections().of(app.id()).stream()
                .filter(c -> c.socketId().equals(socketId))
                .map(PusherConnection::transport)
                .map(WebSocketTransport.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no open connection " + socketId));
    }

    /** {@code what}, evaluated on the transport's event loop. */
    static <T> T read(WebSocketTransport transport, Callable<T> what) {
        try {
            return transport.eventLoop().submit(what).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}
