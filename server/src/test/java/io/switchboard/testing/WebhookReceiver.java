package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP endpoint that records every webhook POST. Answers 200 unless told to answer other
 * statuses first ({@link #failNext}).
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One received POST. */
    public record Request(Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Integer> statuses = new ConcurrentLinkedDeque<>();

    private WebhookReceiver(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Integer status = statuses.poll();
            int code = status == null ? 200 : status;
            if (code == 200) {
                requests.add(new Request(Map.copyOf(exchange.getRequestHeaders()), body));
            }
            exchange.sendResponseHeaders(code, -1);
            exchange.close();
        });
        server.start();
    }

    public static WebhookReceiver start() {
        return new WebhookReceiver(0);
    }

    /** Starts on a given port, e.g. the port of a receiver that was stopped. */
    public static WebhookReceiver start(int port) {
        return new WebhookReceiver(port);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The next requests are answered with these statuses (and not recorded), in order. */
    public void failNext(int... codes) {
        for (int c : codes) {
            statuses.add(c);
        }
    }

    /** Accepted POSTs, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every event of every accepted POST, in order. */
    public List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        for (Request r : requests) {
            r.json().path("events").forEach(out::add);
        }
        return out;
    }

    /** Names of the events received, e.g. ["channel_occupied", "member_added"]. */
    public List<String> eventNames() {
        return events().stream().map(e -> e.path("name").asText()).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
