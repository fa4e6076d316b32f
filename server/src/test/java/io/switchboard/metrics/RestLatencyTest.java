package io.switchboard.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.rest.Pusher;
import io.switchboard.app.App;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code switchboard_rest_request_duration_seconds{endpoint, status}}: every REST answer timed under
 * its endpoint's template, never its raw path.
 */
class RestLatencyTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @Test
    void answersAreTimedByEndpointTemplateAndStatus() {
        Pusher rest = server.rest(app);
        assertThat(rest.trigger("news", "e", Map.of()).getHttpStatus()).isEqualTo(200);
        assertThat(rest.trigger("news", "e", Map.of()).getHttpStatus()).isEqualTo(200);
        assertThat(rest.get("/channels/secret-room-4711").getHttpStatus()).isEqualTo(200);
        assertThat(rest.get("/channels/news/users").getHttpStatus()).isEqualTo(400);
        assertThat(rest.get("/nowhere/at/all").getHttpStatus()).isEqualTo(404);
        Pusher wrongSecret =
                new Pusher("http://" + app.key() + ":not-the-secret@127.0.0.1:" + server.port() + "/apps/" + app.id());
        assertThat(wrongSecret.trigger("news", "e", Map.of()).getHttpStatus()).isEqualTo(401);

        assertThat(count("/apps/{id}/events", 200)).isEqualTo(2);
        assertThat(count("/apps/{id}/events", 401)).isEqualTo(1);
        assertThat(count("/apps/{id}/channels/{name}", 200)).isEqualTo(1);
        assertThat(count("/apps/{id}/channels/{name}/users", 400)).isEqualTo(1);
        assertThat(count("other", 404)).isEqualTo(1);
        assertThat(server.metric("switchboard_rest_request_duration_seconds_bucket{endpoint=\"/apps/{id}/events\","
                        + "status=\"200\",le=\"+Inf\"}"))
                .isEqualTo(2);
        assertThat(server.metric("switchboard_rest_request_duration_seconds_sum{endpoint=\"/apps/{id}/events\","
                        + "status=\"200\"}"))
                .isPositive();
        assertThat(scrape()).doesNotContain("secret-room-4711").doesNotContain("nowhere");
    }

    private double count(String endpoint, int status) {
        return server.metric("switchboard_rest_request_duration_seconds_count{endpoint=\"" + endpoint + "\",status=\""
                + status + "\"}");
    }

    private String scrape() {
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(
                            java.net.http.HttpRequest.newBuilder(
                                            java.net.URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
