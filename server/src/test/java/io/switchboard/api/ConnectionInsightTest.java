package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectionInsightTest {
    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(app, other);

    @Test
    void reportsTransportsProtocolsAndClientLibrariesPerApp() throws Exception {
        try (RawWebSocket js = server.raw(app);
                RawWebSocket elsewhere = server.raw(other);
                SdkClient java = SdkClient.connect(server, app)) {
            assertThat(java).isNotNull();
            js.established();
            elsewhere.established();
            SignedHttp.Reply reply =
                    SignedHttp.to(server, app).get("/connections").send();
            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.path("connections").asInt()).isEqualTo(2);
            assertThat(body.path("transports").path("websocket").asInt()).isEqualTo(2);
            assertThat(body.path("protocols").path("7").asInt()).isEqualTo(1);
            assertThat(body.path("protocols").path("5").asInt()).isEqualTo(1);
            assertThat(body.path("clients").path("js 8.6.0").asInt()).isEqualTo(1);
            assertThat(body.path("clients").path("java-client 2.4.4").asInt()).isEqualTo(1);
        }
    }

    @Test
    void servesPrometheusMetricsWithPerAppConnectionsAndDeliveries() throws Exception {
        try (RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.subscribe("news");
            server.rest(app).trigger("news", "e", Map.of("x", 1));
            ws.awaitEvent("e");
            HttpResponse<String> metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("switchboard_connections{app=\"a\",transport=\"websocket\"} 1.0")
                    .contains("switchboard_connections{app=\"b\",transport=\"websocket\"} 0.0")
                    .contains("switchboard_rest_requests_total{app=\"a\"} 1.0")
                    .containsPattern("switchboard_messages_delivered_total [1-9]");
        }
    }
}
