package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * The dashboard as a browser uses it, over plain HTTP: log in with the form, keep the session
 * cookie, read the JSON, open debug console streams. Every wait is bounded.
 */
public final class DashboardClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Duration WAIT = Duration.ofSeconds(20);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;
    private String cookie;
    private final List<Stream> streams = new CopyOnWriteArrayList<>();

    /** An answer: status, headers and body. */
    public record Answer(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    public DashboardClient(int adminPort) {
        this.port = adminPort;
    }

    public static DashboardClient of(TestServer server) {
        return new DashboardClient(server.adminPort());
    }

    public String base() {
        return "http://127.0.0.1:" + port;
    }

    /** Posts the login form; keeps the session cookie when one is set. */
    public Answer login(Map<String, String> form) {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        Answer a = send(
                request("/dashboard/login")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())),
                true);
        String set = a.header("Set-Cookie");
        if (set != null) {
            cookie = set.substring(0, set.indexOf(';'));
        }
        return a;
    }

    public Answer loginWithToken(String token) {
        return login(Map.of("token", token));
    }

    /** The session cookie ({@code name=value}), or {@code null}. */
    public String cookie() {
        return cookie;
    }

    public Answer get(String path) {
        return send(request(path).GET(), false);
    }

    /** The page shell's CSRF token (from its meta tag). */
    public String csrf() {
        String page = get("/dashboard/").body();
        String marker = "name=\"csrf-token\" content=\"";
        int at = page.indexOf(marker);
        return page.substring(at + marker.length(), page.indexOf('"', at + marker.length()));
    }

    /** Posts JSON as the page does, with these extra headers (e.g. X-CSRF-Token, Origin). */
    public Answer postJson(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder b = request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return send(b, false);
    }

    /** Sends a prepared request with the session cookie. */
    public Answer send(HttpRequest.Builder b, boolean ignoreCookie) {
        if (cookie != null && !ignoreCookie) {
            b.header("Cookie", cookie);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20));
    }

    /** Opens the app's console stream with a query such as {@code types=api_message&channel=news}. */
    public Stream console(String appId, String query) {
        Stream s =
                new Stream(request("/dashboard/api/apps/" + appId + "/console" + (query.isEmpty() ? "" : "?" + query)));
        streams.add(s);
        return s;
    }

    /** One console stream: its events ({@code data:} lines as JSON) and how it ended. */
    public final class Stream implements AutoCloseable {
        private final CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response;
        private final List<JsonNode> events = new CopyOnWriteArrayList<>();
        private final List<String> raw = new CopyOnWriteArrayList<>();
        private volatile String endReason;
        private volatile boolean finished;
        private volatile int status;

        Stream(HttpRequest.Builder b) {
            if (cookie != null) {
                b.header("Cookie", cookie);
            }
            b.timeout(Duration.ofMinutes(10));
            response = http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines());
            response.thenAccept(r -> {
                status = r.statusCode();
                Thread.ofVirtual().start(() -> read(r.body()));
            });
        }

        private void read(java.util.stream.Stream<String> lines) {
            String event = null;
            try {
                for (String line : (Iterable<String>) lines::iterator) {
                    raw.add(line);
                    if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        JsonNode data = JSON.readTree(line.substring(6));
                        if ("end".equals(event)) {
                            endReason = data.path("reason").asText();
                        } else {
                            events.add(data);
                        }
                    } else if (line.isEmpty()) {
                        event = null;
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // the stream was closed
            } finally {
                finished = true;
            }
        }

        /** The HTTP status once the head arrived (waits for it). */
        public int status() {
            Awaitility.await("console stream head").atMost(WAIT).until(() -> status != 0);
            return status;
        }

        public List<JsonNode> events() {
            return new ArrayList<>(events);
        }

        /** Every line received, {@code :} comments included. */
        public List<String> rawLines() {
            return new ArrayList<>(raw);
        }

        /** Waits for an event matching {@code p} and returns it. */
        public JsonNode await(String what, Predicate<JsonNode> p) {
            JsonNode[] found = new JsonNode[1];
            Awaitility.await(what)
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        for (JsonNode e : events) {
                            if (p.test(e)) {
                                found[0] = e;
                                return true;
                            }
                        }
                        return false;
                    });
            return found[0];
        }

        /** Waits for an event of {@code type} whose field {@code field} is {@code value}. */
        public JsonNode await(String type, String field, String value) {
            return await(
                    type + " with " + field + "=" + value,
                    e -> e.path("type").asText().equals(type)
                            && e.path(field).asText().equals(value));
        }

        /** The reason of the {@code end} event, or {@code null}. */
        public String endReason() {
            return endReason;
        }

        public boolean finished() {
            return finished;
        }

        @Override
        public void close() {
            response.cancel(true);
            response.thenAccept(r -> r.body().close());
        }
    }

    @Override
    public void close() {
        streams.forEach(Stream::close);
        http.close();
    }
}
