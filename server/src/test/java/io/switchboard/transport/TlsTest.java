package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.TlsSettings;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TrustedCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
    @TempDir
    static Path dir; // one certificate for the class: keytool takes a while

    private final App app = TestApps.app("a");
    private final App tlsOnly = TestApps.requiringTls(TestApps.app("tls-only"));
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(SwitchboardConfig.of(TestServer.settings(), List.of(app, tlsOnly))
                .withTls(new TlsSettings(0, "", "", true, dir.toString())));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aClientTrustingTheDevCertificateConnectsOverWssAndReceivesEvents() throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .sslContext(TrustedCertificate.sslContext(dir.resolve("dev-cert.pem")))
                .build();
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket ws = client.newWebSocketBuilder()
                .buildAsync(
                        URI.create(
                                "wss://localhost:" + server.server().tlsPort() + "/app/" + app.key() + "?protocol=7"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                                frames.add(data.toString());
                                socket.request(1);
                                return CompletableFuture.completedFuture(null);
                            }
                        })
                .get(10, TimeUnit.SECONDS);
        assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("pusher:connection_established");
        ws.sendText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}", true);
        assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("subscription_succeeded");
        WebSocketTransport transport = (WebSocketTransport)
                server.server().connections().of(app.id()).getFirst().transport();
        assertThat(ServerSide.<Object>read(transport, transport::wire))
                .as("TLS keeps the channel, whose pipeline has the TLS handler")
                .isInstanceOf(ChannelWire.class);
        server.rest(app).trigger("news", "hello", java.util.Map.of("over", "tls"));
        assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("\"event\":\"hello\"");

        HttpResponse<String> health = client.send(
                HttpRequest.newBuilder(URI.create(
                                "https://localhost:" + server.server().tlsPort() + "/health"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        ws.abort();
    }

    @Test
    void anAppRequiringTlsRefusesPlainWebSocketsWith4000AndAcceptsWss() throws Exception {
        try (RawWebSocket plain = server.raw(tlsOnly)) {
            JsonNode error = plain.nextEvent();
            assertThat(error.path("event").asText()).isEqualTo("pusher:error");
            assertThat(RawWebSocket.data(error).path("code").asInt()).isEqualTo(4000);
            assertThat(plain.awaitClose().closeCode()).isEqualTo(4000);
        }
        try (RawWebSocket otherApp = server.raw(app)) {
            otherApp.established(); // the switch is per app
        }

        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket wss = HttpClient.newBuilder()
                .sslContext(TrustedCertificate.sslContext(dir.resolve("dev-cert.pem")))
                .build()
                .newWebSocketBuilder()
                .buildAsync(
                        URI.create("wss://localhost:" + server.server().tlsPort() + "/app/" + tlsOnly.key()
                                + "?protocol=7"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                                frames.add(data.toString());
                                socket.request(1);
                                return CompletableFuture.completedFuture(null);
                            }
                        })
                .get(10, TimeUnit.SECONDS);
        try {
            assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("pusher:connection_established");
        } finally {
            wss.abort();
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() {
        HttpClient client = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> call = client.sendAsync(
                HttpRequest.newBuilder(URI.create(
                                "https://localhost:" + server.server().tlsPort() + "/health"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(call)
                .failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void thePlainListenerKeepsServing() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(server.server().tlsPort()).isNotEqualTo(server.port());
    }
}
