package io.switchboard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and docs/operations.md name metrics exactly as a running server exports
 * them, and operations.md describes every Switchboard metric there is.
 */
class OperatorDocsTest {
    private static final Path DOCS = Path.of("..", "docs");
    private static final Pattern NAME =
            Pattern.compile("\\b((?:switchboard|jvm|process|system)_[a-z0-9_]*[a-z0-9])\\b");

    @Test
    void theDashboardAndTheOperationsGuideUseExportedNames() throws Exception {
        String scrape = scrapeOfAServerWithEverything();
        Set<String> samples = new TreeSet<>();
        Set<String> families = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                families.add(line.split(" ")[2]);
            } else if (!line.startsWith("#") && !line.isBlank()) {
                samples.add(line.split("[{ ]")[0]);
            }
        }

        JsonNode dashboard = new ObjectMapper()
                .readTree(DOCS.resolve("grafana/switchboard.json").toFile());
        Set<String> inDashboard = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                inDashboard.addAll(names(target.get("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            inDashboard.addAll(names(variable.path("definition").asText()));
        }
        assertThat(inDashboard).isNotEmpty();
        assertThat(samples).as("every series the dashboard queries is exported").containsAll(inDashboard);

        String guide = Files.readString(DOCS.resolve("operations.md"));
        Set<String> inGuide = new TreeSet<>(names(guide));
        inGuide.removeIf(n -> !n.startsWith("switchboard_"));
        Set<String> known = new TreeSet<>(samples);
        known.addAll(families);
        assertThat(known).as("every metric operations.md names is exported").containsAll(inGuide);
        Set<String> ours = new TreeSet<>(families);
        ours.removeIf(n -> !n.startsWith("switchboard_") || n.endsWith("_max"));
        assertThat(inGuide)
                .as("operations.md describes every Switchboard metric")
                .containsAll(ours);
    }

    private static String scrape(TestServer server) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }

    private static Set<String> names(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = NAME.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * A node with the Redis broker and a webhook target (its queue in Redis), after one REST request
     * and one limit met, plus what a node with the memory broker alone exports: every metric family
     * is there.
     */
    private static String scrapeOfAServerWithEverything() throws Exception {
        App app = TestApps.withLimits(
                TestApps.withWebhooks(TestApps.app("a"), TestApps.webhook("http://127.0.0.1:9/hooks")), l -> {
                    l.maxConnections = 1;
                    return l;
                });
        try (TestRedis redis = TestRedis.standalone();
                TestServer server = TestServer.start(
                        SwitchboardConfig.of(TestServer.settings().withNodeId(""), java.util.List.of(app))
                                .withBroker(BrokerSettings.redis(redis.settings())))) {
            try (RawWebSocket first = server.raw(app)) {
                first.established();
                try (RawWebSocket second = server.raw(app)) {
                    assertThat(second.awaitClose().closeCode()).isEqualTo(4004);
                }
            }
            server.rest(app).trigger("news", "e", Map.of());
            // GC pauses are reported once the first one has happened.
            System.gc();
            await().atMost(Duration.ofSeconds(10)).until(() -> scrape(server).contains("jvm_gc_pause_seconds_count"));
            return scrape(server) + memoryBrokerOnly();
        }
    }

    /** The families only a node with the memory broker exports (its channel histories). */
    private static String memoryBrokerOnly() throws Exception {
        try (TestServer server = TestServer.start(TestApps.app("m"))) {
            StringBuilder out = new StringBuilder();
            for (String line : scrape(server).split("\n")) {
                if (line.contains("switchboard_history_")) {
                    out.append(line).append('\n');
                }
            }
            return out.toString();
        }
    }
}
