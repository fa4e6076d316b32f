package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One pusher-js HTTP fallback socket spoken by hand: the requests pusher-js makes for {@code
 * xhr_streaming} or {@code xhr_polling} (pusher-protocol.md §9.3), with the frames read exactly.
 */
public final class FallbackClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORIGIN = "http://127.0.0.1:1";
    /** Longer than the server's 25 s poll hold, for reads that may wait out a held poll. */
    private static final Duration POLL_WAIT = Duration.ofSeconds(30);

    private final int port;
    private final String base;
    private final boolean streaming;
    private final Deque<JsonNode> pending = new ArrayDeque<>();
    private int counter;
    private RawHttp stream;

    private FallbackClient(int port, String key, boolean streaming) {
        this.port = port;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder session = new StringBuilder();
        String alphabet = "0123456789abcdefghijklmnopqrstuv";
        for (int i = 0; i < 8; i++) {
            session.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        this.base = "/pusher/app/" + key + "/" + random.nextInt(1000) + "/" + session;
        this.streaming = streaming;
    }

    /** An {@code xhr_streaming} socket for the app {@code key}; nothing is sent yet. */
    public static FallbackClient streaming(int port, String key) {
        return new FallbackClient(port, key, true);
    }

    /** An {@code xhr_polling} socket for the app {@code key}; nothing is sent yet. */
    public static FallbackClient polling(int port, String key) {
        return new FallbackClient(port, key, false);
    }

    /** {@code /pusher/app/{key}/{server}/{session}}. */
    public String base() {
        return base;
    }

    /** Sends one receive request ({@code xhr_streaming} or {@code xhr}) and returns the open response. */
    public RawHttp receive() {
        String type = streaming ? "xhr_streaming" : "xhr";
        return post(
                base + "/" + type + "?protocol=7&client=js&version=8.6.0&t=" + System.currentTimeMillis() + "&n="
                        + counter++,
                new byte[0]);
    }

    /** A receive request as it goes on the wire, for sending by hand (pipelined, for one). */
    public String receiveRequestText() {
        String type = streaming ? "xhr_streaming" : "xhr";
        return "POST " + base + "/" + type + "?protocol=7&client=js&version=8.6.0&t=" + System.currentTimeMillis()
                + "&n=" + counter++ + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nOrigin: " + ORIGIN
                + "\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n";
    }

    /** POSTs the messages to {@code xhr_send} as pusher-js does; returns the status. */
    public int send(String... messages) {
        ArrayNode array = JSON.createArrayNode();
        for (String m : messages) {
            array.add(m);
        }
        try (RawHttp response = post(
                base + "/xhr_send?t=" + System.currentTimeMillis() + "&n=" + counter++,
                array.toString().getBytes(StandardCharsets.UTF_8))) {
            response.readToEnd();
            return response.status();
        }
    }

    private RawHttp post(String pathAndQuery, byte[] body) {
        return RawHttp.request(
                port, "POST", pathAndQuery, Map.of("Content-Type", "application/json", "Origin", ORIGIN), body);
    }

    /**
     * Opens the session and reads {@code o} and {@code connection_established}.
     *
     * @return the socket id
     */
    public String established() {
        if (streaming) {
            stream = receive();
            assertThat(stream.status() == 200, "streaming status " + stream.status());
            String line = stream.nextLine();
            assertThat(line.equals("h".repeat(2048)), "prelude of 2048 h first, got " + abbreviate(line));
            line = stream.nextLine();
            assertThat("o".equals(line), "o after the prelude, got " + abbreviate(line));
        } else {
            try (RawHttp first = receive()) {
                assertThat(first.status() == 200, "poll status " + first.status());
                String body = first.readToEnd();
                assertThat(body.equals("o\n"), "first poll answers o, got " + abbreviate(body));
            }
        }
        JsonNode event = nextEvent();
        assertThat(
                event.path("event").asText().equals("pusher:connection_established"),
                "connection_established, got " + event);
        return RawWebSocket.data(event).path("socket_id").asText();
    }

    /** The open streaming response, after {@link #established()}. */
    public RawHttp stream() {
        return stream;
    }

    /** The next Pusher message: read from the stream, or by polling until one arrives. */
    public JsonNode nextEvent() {
        long deadline = System.nanoTime() + POLL_WAIT.toNanos();
        while (pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no message within " + POLL_WAIT);
            }
            if (streaming) {
                String line = stream.nextLine();
                assertThat(line != null, "the streaming response ended");
                accept(line);
            } else {
                try (RawHttp poll = receive()) {
                    assertThat(poll.status() == 200, "poll status " + poll.status());
                    for (String line : poll.readToEnd(POLL_WAIT).split("\n")) {
                        accept(line);
                    }
                }
            }
        }
        return pending.removeFirst();
    }

    /** Skips messages until one named {@code event} arrives. */
    public JsonNode awaitEvent(String event) {
        for (int i = 0; i < 100; i++) {
            JsonNode next = nextEvent();
            if (next.path("event").asText().equals(event)) {
                return next;
            }
        }
        throw new AssertionError("no " + event + " in 100 messages");
    }

    private void accept(String line) {
        if (line.isEmpty() || line.chars().allMatch(c -> c == 'h')) {
            return;
        }
        if (line.startsWith("a")) {
            try {
                for (JsonNode element : JSON.readTree(line.substring(1))) {
                    assertThat(element.isTextual(), "a[...] holds strings, got " + element);
                    pending.add(JSON.readTree(element.asText()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        throw new AssertionError("unexpected frame " + abbreviate(line));
    }

    private static void assertThat(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        }
    }
}
