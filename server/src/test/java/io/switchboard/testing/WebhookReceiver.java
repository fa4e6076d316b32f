package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP endpoint that records every webhook POST. Answers 200 unless told to answer other
 * statuses first ({@link #failNext}), to answer late ({@link #answerLate}) or to fail everything
 * ({@link #failEverything}). Requests are handled concurrently, so a late answer holds up nothing
 * else.
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
    private final ConcurrentLinkedDeque<Duration> delays = new ConcurrentLinkedDeque<>();
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    /** The status every request is answered with while not 0. */
    private volatile int failing;

    private WebhookReceiver(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Duration delay = delays.poll();
            if (delay != null) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Integer status = statuses.poll();
            int code = failing != 0 ? failing : status == null ? 200 : status;
            if (code == 200) {
                requests.add(new Request(Map.copyOf(exchange.getRequestHeaders()), body));
            }
            exchange.sendResponseHeaders(code, -1);
            exchange.close();
        });
        server.setExecutor(handlers);
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

    /** The next requests are answered (and recorded) only after these delays, in order. */
    public void answerLate(Duration... delays) {
        this.delays.addAll(List.of(delays));
    }

    /** Every request is answered with {@code code} (and not recorded) until {@link #answerAgain}. */
    public void failEverything(int code) {
        failing = code;
    }

    /** Ends {@link #failEverything}. */
    public void answerAgain() {
        failing = 0;
    }

    /** Accepted POSTs, in the order they were answered. */
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
        handlers.shutdownNow();
    }
}
