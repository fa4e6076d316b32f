package io.switchboard;

import io.switchboard.app.App;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.protocol.Signatures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A short workload the server runs against itself and then stops: what a new node does in its
 * first seconds (WebSocket handshakes, subscribes to public, private and presence channels, signed
 * REST triggers and batches fanned out, channel queries, an HTTP fallback session), so that a JVM
 * recording an ahead-of-time cache ({@code -XX:AOTCacheOutput}, JDK 25) records the classes and
 * profiles of the paths a fresh server needs at once. The launcher runs it once per build.
 *
 * <p>It uses the demo app on loopback ports the system chooses, whatever the configuration says,
 * and no webhook, app store or Redis.
 */
final class Training {
    private static final int CONNECTIONS = 400;
    private static final int CHANNELS = 40;
    private static final int ROUNDS = 6;
    private static final int WARM_UP_ROUNDS = 3;
    private static final int TRIGGERS = 200;
    private static final int BATCHES = 40;
    private static final int BATCH = 10;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final App app;
    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger received = new AtomicInteger();

    private Training(App app, int port) {
        this.app = app;
        this.port = port;
    }

    /** Starts a server, runs the workload, stops the server; returns the process exit status. */
    static int run() {
        try {
            long ms = workload(ROUNDS);
            System.out.printf(
                    "training: %d rounds of %d connections, %d events received in %d ms%n",
                    ROUNDS, CONNECTIONS, expected(ROUNDS - 1), ms);
            return 0;
        } catch (Exception e) {
            System.err.println("training failed: " + e);
            return 1;
        }
    }

    /**
     * The same workload, shorter, in the server's own JVM before it starts listening: the paths a
     * fresh server needs at once are compiled before its first client arrives.
     *
     * @return how long it took, in milliseconds
     */
    static long warmUp() throws Exception {
        return workload(WARM_UP_ROUNDS);
    }

    /** Runs the workload against a server of its own; returns how long it took, in milliseconds. */
    private static long workload(int rounds) throws Exception {
        SwitchboardConfig config = ConfigLoader.load(
                null,
                Map.of(
                        "SWITCHBOARD_SERVER__HOST", "127.0.0.1",
                        "SWITCHBOARD_SERVER__PORT", "0",
                        "SWITCHBOARD_SERVER__SHUTDOWN_SPREAD", "0",
                        "SWITCHBOARD_ADMIN__ENABLED", "false"));
        Server server = Server.start(config);
        try {
            Training t = new Training(config.apps().get(0), server.port());
            long start = System.nanoTime();
            for (int round = 0; round < rounds; round++) {
                t.round(round);
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        } finally {
            server.stop();
        }
    }

    /** Events every round's connections have received by the end of round {@code round}. */
    private static int expected(int round) {
        // Every connection is on one of the channels: each event reaches CONNECTIONS / CHANNELS.
        return (round + 1) * (TRIGGERS + BATCHES * BATCH) * (CONNECTIONS / CHANNELS);
    }

    private void round(int round) throws Exception {
        List<WebSocket> sockets = new ArrayList<>();
        List<CompletableFuture<Void>> subscribed = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            subscribed.add(done);
            sockets.add(http.newWebSocketBuilder()
                    .buildAsync(
                            URI.create("ws://127.0.0.1:" + port + "/app/" + app.key()
                                    + "?protocol=7&client=js&version=8.6.0&flash=false"),
                            new Client(i, done))
                    .get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        }
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new))
                .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
        for (int i = 0; i < TRIGGERS; i++) {
            String body = "{\"name\":\"train\",\"channel\":\"train-" + (i % CHANNELS) + "\",\"data\":\"{\\\"n\\\":" + i
                    + "}\"}";
            requests.add(signed("POST", "/apps/" + app.id() + "/events", body));
        }
        for (int i = 0; i < BATCHES; i++) {
            StringBuilder batch = new StringBuilder("{\"batch\":[");
            for (int j = 0; j < BATCH; j++) {
                batch.append(j == 0 ? "" : ",")
                        .append("{\"name\":\"train\",\"channel\":\"train-")
                        .append((i * BATCH + j) % CHANNELS)
                        .append("\",\"data\":\"x\"}");
            }
            requests.add(signed(
                    "POST",
                    "/apps/" + app.id() + "/batch_events",
                    batch.append("]}").toString()));
        }
        requests.add(signed("GET", "/apps/" + app.id() + "/channels", null));
        requests.add(signed("GET", "/apps/" + app.id() + "/channels/train-0", null));
        requests.add(signed("GET", "/apps/" + app.id() + "/channels/presence-train-0/users", null));
        requests.add(fallbackSession(round));
        for (CompletableFuture<HttpResponse<String>> r : requests) {
            HttpResponse<String> answer = r.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            if (answer.statusCode() != 200) {
                throw new IllegalStateException(answer.uri().getPath() + " answered " + answer.statusCode());
            }
        }
        int expected = expected(round);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (received.get() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(received.get() + " of " + expected + " events received");
            }
            Thread.sleep(10);
        }
        List<CompletableFuture<WebSocket>> closed = new ArrayList<>();
        for (WebSocket ws : sockets) {
            closed.add(ws.sendClose(WebSocket.NORMAL_CLOSURE, ""));
        }
        CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    /** Opens an xhr_polling session (its first poll answers at once); it ends by itself. */
    private CompletableFuture<HttpResponse<String>> fallbackSession(int round) {
        HttpRequest poll = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pusher/app/" + app.key()
                        + "/" + round + "/training" + round + "/xhr?protocol=7&client=js&version=8.6.0"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        return http.sendAsync(poll, HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> signed(String method, String path, String body) {
        long now = System.currentTimeMillis() / 1000;
        String query = "auth_key=" + app.key() + "&auth_timestamp=" + now + "&auth_version=1.0";
        if (body != null) {
            query += "&body_md5=" + Signatures.md5Hex(body.getBytes(StandardCharsets.UTF_8));
        }
        String signature = Signatures.hmacSha256Hex(app.secret(), method + "\n" + path + "\n" + query);
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path + "?" + query + "&auth_signature=" + signature))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json");
        request = body == null ? request.GET() : request.method(method, HttpRequest.BodyPublishers.ofString(body));
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One connection: subscribes to a public channel, and some to a private or presence one. */
    private final class Client implements WebSocket.Listener {
        private static final Pattern SOCKET_ID = Pattern.compile("socket_id[^0-9]*([0-9]+\\.[0-9]+)");
        private final int index;
        private final CompletableFuture<Void> subscribed;
        private final StringBuilder text = new StringBuilder();
        private int pending;
        /** The JDK's WebSocket takes one message at a time: each send waits for the one before. */
        private CompletableFuture<WebSocket> sending;

        Client(int index, CompletableFuture<Void> subscribed) {
            this.index = index;
            this.subscribed = subscribed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String frame = text.toString();
                text.setLength(0);
                onFrame(ws, frame);
            }
            ws.request(1);
            return null;
        }

        private void onFrame(WebSocket ws, String frame) {
            if (frame.contains("pusher:connection_established")) {
                Matcher m = SOCKET_ID.matcher(frame);
                if (!m.find()) {
                    subscribed.completeExceptionally(new IllegalStateException(frame));
                    return;
                }
                String socketId = m.group(1);
                subscribe(ws, "train-" + (index % CHANNELS), null, null);
                if (index % 5 == 1) {
                    String channel = "private-train-" + index;
                    subscribe(ws, channel, auth(socketId + ":" + channel), null);
                } else if (index % 5 == 2) {
                    String channel = "presence-train-" + (index % CHANNELS);
                    String data = "{\"user_id\":\"u" + index + "\",\"user_info\":{\"name\":\"n\"}}";
                    subscribe(ws, channel, auth(socketId + ":" + channel + ":" + data), data);
                }
            } else if (frame.contains("subscription_succeeded")) {
                if (--pending == 0) {
                    subscribed.complete(null);
                }
            } else if (frame.contains("\"train\"")) {
                received.incrementAndGet();
            } else if (frame.contains("pusher:error")) {
                subscribed.completeExceptionally(new IllegalStateException(frame));
            }
        }

        private void subscribe(WebSocket ws, String channel, String auth, String channelData) {
            pending++;
            StringBuilder data =
                    new StringBuilder("{\"channel\":\"").append(channel).append('"');
            if (auth != null) {
                data.append(",\"auth\":\"").append(auth).append('"');
            }
            if (channelData != null) {
                data.append(",\"channel_data\":\"")
                        .append(channelData.replace("\"", "\\\""))
                        .append('"');
            }
            String message = "{\"event\":\"pusher:subscribe\",\"data\":" + data + "}}";
            sending =
                    sending == null ? ws.sendText(message, true) : sending.thenCompose(w -> w.sendText(message, true));
        }

        private String auth(String stringToSign) {
            return app.key() + ":" + Signatures.hmacSha256Hex(app.secret(), stringToSign);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            subscribed.completeExceptionally(error);
        }
    }
}
