package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** HTTP/1.1 pipelining: requests sent one after another on a connection without waiting for answers. */
class HttpPipeliningTest {
    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(
            s -> TestSettings.change(s, t -> {
                t.idleTimeout = 1;
                t.shutdownTimeout = 0;
            }),
            app,
            other);

    private final Bystanders bystanders = new Bystanders(server, app, other);

    @AfterEach
    void stop() {
        bystanders.close();
    }

    /** The REST request is answered asynchronously, the health check at once: order must hold anyway. */
    @Test
    void pipelinedRequestsAreAnsweredInTheOrderTheyWereSent() {
        String channels = SignedHttp.to(server, app).get("/channels").pathAndQuery();
        try (RawHttp connection = RawHttp.raw(
                server.port(),
                "GET " + channels + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            assertThat(connection.status()).isEqualTo(200);
            assertThat(connection.readToEnd()).contains("\"channels\"");
            assertThat(connection.next().status()).isEqualTo(200);
            assertThat(connection.readToEnd()).contains("\"status\":\"ok\"");
        }
        bystanders.stillReceiveEvents();
    }

    /**
     * A client that pipelines requests and never reads the answers makes the server stop taking
     * requests once the answers back up, and close the connection (too many requests waiting, or
     * answers left unread for the idle timeout) instead of queueing answers without bound. Its
     * writes then fail.
     */
    @Test
    void aClientThatPipelinesWithoutReadingIsStoppedAndClosed() throws Exception {
        byte[] request = "OPTIONS /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[request.length * 2000];
        for (int i = 0; i < 2000; i++) {
            System.arraycopy(request, 0, chunk, i * request.length, request.length);
        }
        long total = 64L * 1024 * 1024; // more than the kernel buffers on both sides can hold
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.setSendBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                long written = 0;
                try {
                    OutputStream out = socket.getOutputStream();
                    while (written < total) {
                        out.write(chunk);
                        written += chunk.length;
                    }
                    return written;
                } catch (IOException e) {
                    return -written - 1;
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(writer::isDone);
            assertThat(writer.get())
                    .as("the server closed the connection before everything was written")
                    .isNegative();
        }
        bystanders.stillReceiveEvents();
    }
}
