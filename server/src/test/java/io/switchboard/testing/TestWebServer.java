package io.switchboard.testing;

import com.pusher.rest.data.PresenceUser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.switchboard.app.App;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The application's web server for browser tests, on its own loopback port (so a different origin
 * than Switchboard): serves the test page {@code /client.html}, {@code /pusher.min.js} (pusher-js
 * from the test classpath), {@code /echo.iife.js} (Laravel Echo, idem) and the channel auth endpoint {@code /pusher/auth}, which signs with
 * pusher-http-java's {@code Pusher.authenticate} as a real backend does.
 */
public final class TestWebServer implements AutoCloseable {
    /** The pusher-js build the pages load. */
    public static final String PUSHER_JS_VERSION = "8.6.0";

    /** The Laravel Echo build the pages may load ({@code /echo.iife.js}). */
    public static final String LARAVEL_ECHO_VERSION = "2.5.0";

    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final com.pusher.rest.Pusher rest;

    private TestWebServer(com.pusher.rest.Pusher rest) {
        this.rest = rest;
        try {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Starts serving pages whose channel auth signs for {@code app} on {@code server}. */
    public static TestWebServer start(TestServer server, App app) {
        return new TestWebServer(server.rest(app));
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** The test page's URL; {@code user} is the presence user id its auth requests carry. */
    public String page(String user) {
        return "http://127.0.0.1:" + port() + "/client.html?user=" + user;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/client.html" -> resource(exchange, "browser/client.html", "text/html; charset=utf-8");
                case "/pusher.min.js" ->
                    resource(
                            exchange,
                            "pusher-js/" + PUSHER_JS_VERSION + "/pusher.min.js",
                            "application/javascript; charset=utf-8");
                case "/echo.iife.js" ->
                    resource(
                            exchange,
                            "laravel-echo/" + LARAVEL_ECHO_VERSION + "/echo.iife.js",
                            "application/javascript; charset=utf-8");
                case "/pusher/auth" -> auth(exchange);
                default -> respond(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Channel authorization: form {@code socket_id} and {@code channel_name}, user from the query. */
    private void auth(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, "text/plain", new byte[0]);
            return;
        }
        Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
        String socketId = form.get("socket_id");
        String channel = form.get("channel_name");
        if (socketId == null || channel == null) {
            respond(
                    exchange,
                    400,
                    "text/plain",
                    "socket_id and channel_name required".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String user = query.getOrDefault("user", "anonymous");
        String body = channel.startsWith("presence-")
                ? rest.authenticate(socketId, channel, new PresenceUser(user, Map.of("name", "User " + user)))
                : rest.authenticate(socketId, channel);
        respond(exchange, 200, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void resource(HttpExchange exchange, String name, String contentType) throws IOException {
        try (InputStream in = TestWebServer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            respond(exchange, 200, contentType, in.readAllBytes());
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    private static Map<String, String> form(String encoded) {
        Map<String, String> out = new HashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return out;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
