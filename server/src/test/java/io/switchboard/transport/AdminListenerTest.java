package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Metrics and operator endpoints live on the admin listener, never on the public port. */
class AdminListenerTest {
    private static final String TOKEN = "0123456789abcdef-admin-token";
    private final App app = TestApps.app("a");
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void metricsAreServedOnTheAdminPortOnly() throws Exception {
        try (TestServer server = TestServer.start(app)) {
            assertThat(get(server.port(), "/metrics", null).statusCode()).isEqualTo(404);
            HttpResponse<String> metrics = get(server.adminPort(), "/metrics", null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("switchboard_connections{app=\"a\"");
            assertThat(get(server.port(), "/ready", null).statusCode())
                    .as("load balancers still probe the public port")
                    .isEqualTo(200);
            assertThat(get(server.adminPort(), "/ready", null).statusCode()).isEqualTo(200);
            assertThat(get(server.adminPort(), "/apps/a/channels", null).statusCode())
                    .as("the public API is not served on the admin port")
                    .isEqualTo(404);
        }
    }

    @Test
    void aConfiguredTokenIsRequiredOnEveryAdminRequest() throws Exception {
        SwitchboardConfig config = SwitchboardConfig.of(TestServer.settings(), List.of(app))
                .withAdmin(new AdminSettings(true, "127.0.0.1", 0, TOKEN));
        try (TestServer server = TestServer.start(config)) {
            assertThat(get(server.adminPort(), "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(server.adminPort(), "/metrics", "Bearer wrong").statusCode())
                    .isEqualTo(401);
            assertThat(get(server.adminPort(), "/metrics", "Bearer " + TOKEN + "x")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(get(server.adminPort(), "/metrics", "Bearer " + TOKEN).statusCode())
                    .isEqualTo(200);
            assertThat(get(server.adminPort(), "/health", null).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void pagesInABrowserCannotDriveTheAdminEndpoints() throws Exception {
        try (TestServer server = TestServer.start(app)) {
            HttpResponse<String> metrics = get(server.adminPort(), "/metrics", null);
            assertThat(metrics.headers().firstValue("Access-Control-Allow-Origin"))
                    .as("no page on another origin may read admin answers")
                    .isEmpty();
            assertThat(rawStatus(server.adminPort(), "GET /metrics", "Host: 127.0.0.1", "Origin: https://evil.example"))
                    .isEqualTo(403);
            assertThat(rawStatus(
                            server.adminPort(), "GET /admin/v1/apps", "Host: 127.0.0.1", "Sec-Fetch-Site: cross-site"))
                    .isEqualTo(403);
            assertThat(rawStatus(server.adminPort(), "GET /admin/v1/apps", "Host: rebound.evil.example"))
                    .as("a page's own domain rebound to 127.0.0.1")
                    .isEqualTo(403);
            assertThat(rawStatus(server.adminPort(), "GET /admin/v1/apps", "Host: localhost:" + server.adminPort()))
                    .isEqualTo(200);
        }
    }

    /** The status of a hand-written request, so that {@code Host} and {@code Origin} are as given. */
    private static int rawStatus(int port, String requestLine, String... headers) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder(requestLine).append(" HTTP/1.1\r\n");
            for (String header : headers) {
                request.append(header).append("\r\n");
            }
            request.append("Connection: close\r\n\r\n");
            socket.getOutputStream().write(request.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(
                            socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
                    .readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void theAdminListenerCanBeTurnedOff() {
        SwitchboardConfig config = SwitchboardConfig.of(TestServer.settings(), List.of(app))
                .withAdmin(new AdminSettings(false, "127.0.0.1", 0, ""));
        try (TestServer server = TestServer.start(config)) {
            assertThat(server.adminPort()).isEqualTo(-1);
        }
    }

    private HttpResponse<String> get(int port, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
