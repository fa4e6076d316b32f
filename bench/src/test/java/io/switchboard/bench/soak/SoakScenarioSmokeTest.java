package io.switchboard.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.Server;
import io.switchboard.bench.Json;
import io.switchboard.bench.Options;
import io.switchboard.config.ConfigLoader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the soak for a few seconds against an in-process server with every part of the load on, at
 * a small scale and with short timings, and with one subscriber and the webhook receiver broken on
 * purpose: the losses it reports must be exactly the events thrown away, which shows both that a
 * loss is seen and that nothing else is counted as one.
 */
@Timeout(120)
class SoakScenarioSmokeTest {
    @TempDir
    Path dir;

    @Test
    void countsExactlyTheDeliveriesAndWebhooksThrownAwayOnPurpose() throws Exception {
        int webhookPort;
        try (ServerSocket s = new ServerSocket(0)) {
            webhookPort = s.getLocalPort();
        }
        Map<String, String> env = Map.ofEntries(
                Map.entry("SWITCHBOARD_SERVER__HOST", "127.0.0.1"),
                Map.entry("SWITCHBOARD_SERVER__PORT", "0"),
                Map.entry("SWITCHBOARD_SERVER__IO_THREADS", "1"),
                Map.entry("SWITCHBOARD_ADMIN__PORT", "0"),
                Map.entry("SWITCHBOARD_APPS__0__ID", "app-id"),
                Map.entry("SWITCHBOARD_APPS__0__KEY", "app-key"),
                Map.entry("SWITCHBOARD_APPS__0__SECRET", "app-secret"),
                Map.entry("SWITCHBOARD_APPS__0__CLIENT_EVENTS", "true"),
                Map.entry("SWITCHBOARD_APPS__0__WEBHOOKS__0__URL", "http://127.0.0.1:" + webhookPort + "/webhooks"),
                Map.entry("SWITCHBOARD_WEBHOOKS__REMOVAL_DELAY_MS", "500"),
                Map.entry("SWITCHBOARD_WEBHOOKS__BATCH_MAX_DELAY_MS", "100"),
                Map.entry("SWITCHBOARD_WEBHOOKS__RETRY_INITIAL_MS", "100"),
                Map.entry("SWITCHBOARD_WEBHOOKS__RETRY_MAX_MS", "400"),
                Map.entry("SWITCHBOARD_WEBHOOKS__DATA_DIR", dir.resolve("data").toString()));
        Map<String, Object> r;
        try (Server server = Server.start(ConfigLoader.load(null, env))) {
            Options o = Options.parse(List.of(
                    "--target", "switchboard",
                    "--port", String.valueOf(server.port()),
                    "--server-pid", String.valueOf(ProcessHandle.current().pid()),
                    "--admin-port", String.valueOf(server.adminPort()),
                    "--webhook-port", String.valueOf(webhookPort),
                    "--out", dir.toString(),
                    "--minutes", "0.1",
                    "--sample-every", "2s",
                    "--fanout-channels", "2",
                    "--fanout-subscribers", "10",
                    "--fanout-rate", "20",
                    "--xhr-streaming", "2",
                    "--xhr-polling", "2",
                    "--presence-channels", "1",
                    "--presence-members", "4",
                    "--churn", "2",
                    "--client-events", "3",
                    "--round", "1.5s",
                    "--removal-delay", "500ms",
                    "--webhook-delay-min", "20ms",
                    "--webhook-delay-max", "80ms",
                    "--webhook-outage", "1s",
                    "--webhook-outage-every", "3s",
                    "--webhook-first-outage", "2s",
                    "--drain", "2s", // the broken subscriber may never catch up
                    "--webhook-drain", "30s",
                    "--flood-rate", "100",
                    "--flood-name", "500",
                    "--slowloris-every", "1s",
                    "--slowloris-max", "5",
                    "--pipeline-burst", "3",
                    "--break-subscriber", "7",
                    "--break-webhooks", "5"));
            r = new SoakScenario().run(o);
            assertThat(o.unused()).as("options the soak ignored").isEmpty();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> line = (Map<String, Object>) Json.parse(Json.write(r));

        // the server was read, not assumed
        assertThat(num(map(line, "rss_mb"), "first")).isPositive();
        assertThat(num(map(line, "heap_after_gc_mb"), "first")).isPositive();
        assertThat(num(map(line, "fds"), "first")).isPositive();
        List<String> csv = Files.readAllLines(Path.of((String) line.get("csv")));
        assertThat(csv).hasSizeGreaterThanOrEqualTo(6); // header, empty, start, load..., end
        assertThat(csv.get(1)).contains(",empty,");
        assertThat(csv.get(csv.size() - 1)).contains(",end,");
        assertThat(Files.readString(Path.of((String) line.get("svg"))))
                .startsWith("<svg")
                .contains("polyline");
        assertThat(Files.readString(Path.of((String) line.get("summary")))).contains("| figure | value | goal |");

        // every kind of receiver got events; the only losses are the ones made on purpose
        Map<String, Object> fanout = map(line, "fanout");
        assertThat(num(fanout, "delivered")).isPositive();
        assertThat(num(map(line, "fallback"), "delivered")).isPositive();
        assertThat(num(map(line, "client_events"), "delivered")).isPositive();
        assertThat(num(line, "dropped_on_purpose")).isPositive();
        assertThat(num(fanout, "lost")).isEqualTo(num(line, "dropped_on_purpose"));
        assertThat(num(map(line, "fallback"), "lost")).isZero();
        assertThat(num(map(line, "client_events"), "lost")).isZero();
        assertThat(num(line, "api_errors")).isZero();

        Map<String, Object> webhooks = map(line, "webhooks");
        assertThat(num(webhooks, "expected")).isPositive();
        assertThat(num(webhooks, "outages")).isPositive();
        assertThat(num(webhooks, "bad_signatures")).isZero();
        assertThat(num(webhooks, "ignored_on_purpose")).isPositive();
        assertThat(num(webhooks, "lost")).isEqualTo(num(webhooks, "ignored_on_purpose"));

        Map<String, Object> hostile = map(line, "hostile");
        assertThat(num(hostile, "flood_frames")).isPositive();
        assertThat(num(hostile, "slowloris_opened")).isPositive();
        assertThat(num(hostile, "pipelined_requests")).isPositive();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        assertThat(m).containsKey(key);
        return (Map<String, Object>) m.get(key);
    }

    private static double num(Map<String, Object> m, String key) {
        assertThat(m).containsKey(key);
        return ((Number) m.get(key)).doubleValue();
    }
}
