package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Calls a server's admin API ({@code /admin/v1}) on its admin port, as an operator's script would. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;
    private final String token;

    /** An answer: its status and JSON body. */
    public record Answer(int status, JsonNode json) {
        /** The {@code error} message of an error answer. */
        public String error() {
            return json.path("error").asText(null);
        }
    }

    public AdminClient(int port, String token) {
        this.port = port;
        this.token = token;
    }

    /** A client for the server's admin port, without a token. */
    public static AdminClient of(TestServer server) {
        return new AdminClient(server.adminPort(), null);
    }

    public Answer get(String path) {
        return send("GET", path, null);
    }

    public Answer post(String path, String json) {
        return send("POST", path, json);
    }

    public Answer patch(String path, String json) {
        return send("PATCH", path, json);
    }

    public Answer delete(String path) {
        return send("DELETE", path, null);
    }

    /** Creates an app and returns it with the secret from the answer; fails unless 201. */
    public App create(String json) {
        Answer a = post("/admin/v1/apps", json);
        if (a.status() != 201) {
            throw new AssertionError("create answered " + a.status() + ": " + a.json());
        }
        return app(a.json(), a.json().get("secret").asText());
    }

    /** The app an answer shows, with {@code secret} (answers never show it but once). */
    public static App app(JsonNode j, String secret) {
        JsonNode l = j.get("limits");
        List<App.Webhook> hooks = new ArrayList<>();
        for (JsonNode w : j.get("webhooks")) {
            hooks.add(TestApps.webhook(w.get("url").asText()));
        }
        return new App(
                j.get("id").asText(),
                j.get("key").asText(),
                secret,
                j.get("name").asText(),
                j.get("enabled").asBoolean(),
                j.get("client_events").asBoolean(),
                j.get("user_authentication").asBoolean(),
                j.get("signin_timeout_seconds").asInt(),
                j.get("require_tls").asBoolean(),
                j.get("subscription_count_events").asBoolean(),
                new AppLimits(
                        l.get("max_connections").asInt(),
                        l.get("max_channels_per_connection").asInt(),
                        l.get("max_presence_members").asInt(),
                        l.get("max_presence_user_info_bytes").asInt(),
                        l.get("max_user_id_length").asInt(),
                        l.get("max_channel_name_length").asInt(),
                        l.get("max_event_name_length").asInt(),
                        l.get("max_payload_bytes").asInt(),
                        l.get("max_channels_per_event").asInt(),
                        l.get("max_batch_size").asInt(),
                        l.get("client_events_per_second").asInt(),
                        l.get("cache_ttl_seconds").asInt(),
                        l.get("max_watchlist_size").asInt(),
                        l.get("rest_requests_per_second").asInt(),
                        l.get("max_history_bytes").asInt()),
                hooks);
    }

    /** Sends any method with an optional JSON body (or raw text). */
    public Answer send(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
            return new Answer(r.statusCode(), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
