package io.switchboard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debug console viewers attached to a Switchboard while a scenario runs, as operators watching the
 * app from the dashboard: each holds {@code GET /dashboard/api/apps/{id}/console} (server-sent
 * events) open on the admin listener and reads every event. Counts the events shown and those the
 * server reports as left out ("sampled" markers), so a result says what the viewers cost and saw.
 */
final class ConsoleViewers implements AutoCloseable {
    private static final Pattern DROPPED = Pattern.compile("\"dropped\":(\\d+)");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<InputStream> streams = new ArrayList<>();
    private final AtomicLong shown = new AtomicLong();
    private final AtomicLong leftOut = new AtomicLong();

    /**
     * Opens {@code count} streams and returns once each has been answered 200.
     *
     * @param token the admin token, or empty when the admin listener has none
     */
    ConsoleViewers(String host, int adminPort, String appId, String token, int count) throws IOException {
        URI uri = URI.create("http://" + host + ":" + adminPort + "/dashboard/api/apps/" + appId + "/console");
        for (int i = 0; i < count; i++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri);
            if (!token.isEmpty()) {
                b.header("Authorization", "Bearer " + token);
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (r.statusCode() != 200) {
                String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
                throw new IllegalStateException(
                        "console viewer " + (i + 1) + " refused: " + r.statusCode() + " " + body);
            }
            streams.add(r.body());
            Thread.ofVirtual().name("console-viewer-" + i).start(() -> read(r.body()));
        }
    }

    private void read(InputStream in) {
        StringBuilder line = new StringBuilder();
        try {
            int c;
            while ((c = in.read()) >= 0) {
                if (c != '\n') {
                    line.append((char) c);
                    continue;
                }
                if (line.indexOf("data: ") == 0) {
                    if (line.indexOf("\"type\":\"sampled\"") > 0) {
                        Matcher m = DROPPED.matcher(line);
                        if (m.find()) {
                            leftOut.addAndGet(Long.parseLong(m.group(1)));
                        }
                    } else {
                        shown.incrementAndGet();
                    }
                }
                line.setLength(0);
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Console events the viewers were shown, over all of them. */
    long shown() {
        return shown.get();
    }

    /** Events the server reported as left out for the viewers (over their rate or a node's budget). */
    long leftOut() {
        return leftOut.get();
    }

    @Override
    public void close() {
        for (InputStream in : streams) {
            try {
                in.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        http.close();
    }
}
