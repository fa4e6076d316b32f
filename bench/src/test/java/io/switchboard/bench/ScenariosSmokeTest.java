package io.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.Server;
import io.switchboard.config.ConfigLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every scenario for about a second at low load against an in-process server (its demo app
 * has the credentials the bench uses by default) and checks that each produced a complete result
 * with nothing lost. The only bench code {@code verify} runs.
 */
@Timeout(60)
class ScenariosSmokeTest {
    private static Server server;

    @BeforeAll
    static void startServer() {
        server = Server.start(ConfigLoader.load(
                null,
                Map.of(
                        "SWITCHBOARD_SERVER__HOST", "127.0.0.1",
                        "SWITCHBOARD_SERVER__PORT", "0",
                        "SWITCHBOARD_SERVER__IO_THREADS", "1",
                        "SWITCHBOARD_ADMIN__PORT", "0")));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static Map<String, Object> run(String scenario, Object... options) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--target",
                "switchboard",
                "--port",
                String.valueOf(server.port()),
                "--server-pid",
                String.valueOf(ProcessHandle.current().pid())));
        for (Object o : options) {
            args.add(String.valueOf(o));
        }
        Options parsed = Options.parse(args);
        Map<String, Object> result = Main.scenario(scenario).run(parsed);
        assertThat(parsed.unused()).as("options the scenario ignored").isEmpty();
        // Every result must survive the trip through its one JSON line.
        @SuppressWarnings("unchecked")
        Map<String, Object> line = (Map<String, Object>) Json.parse(Json.write(result));
        assertThat(line).containsEntry("scenario", result.get("scenario")).containsEntry("target", "switchboard");
        return line;
    }

    private static double num(Map<String, Object> r, String key) {
        assertThat(r).containsKey(key);
        return ((Number) r.get(key)).doubleValue();
    }

    private static void assertDeliveredEverything(Map<String, Object> r) {
        assertThat(num(r, "expected")).isPositive();
        assertThat(num(r, "delivered")).isEqualTo(num(r, "expected"));
        assertThat(num(r, "lost")).isZero();
        assertThat(num(r, "disconnects")).isZero();
        assertThat(num(r, "p99_ms")).isPositive();
    }

    @Test
    void connectOpensEveryConnectionAndMeasuresMemory() throws Exception {
        Map<String, Object> r =
                run("connect", "--connections", 200, "--warmup-connections", 20, "--settle", "0.2s", "--parallel", 50);
        assertThat(num(r, "opened")).isEqualTo(200);
        assertThat(num(r, "failures")).isZero();
        assertThat(num(r, "connections_per_s")).isPositive();
        assertThat(num(r, "subscribed_p50_ms")).isPositive().isLessThanOrEqualTo(num(r, "subscribed_p99_ms"));
        assertThat(r).containsKey("bytes_per_connection");
    }

    @Test
    void connectWarmsUpInRounds() throws Exception {
        Map<String, Object> r = run(
                "connect",
                "--connections",
                50,
                "--warmup-connections",
                20,
                "--warmup-rounds",
                3,
                "--settle",
                "0.2s",
                "--parallel",
                20);
        assertThat(num(r, "warmup_connections")).isEqualTo(60);
        assertThat(num(r, "opened")).isEqualTo(50);
    }

    @Test
    void connectBroadcastReachesEveryConnection() throws Exception {
        Map<String, Object> r = run(
                "connect",
                "--connections",
                150,
                "--channels",
                1,
                "--broadcast",
                2,
                "--warmup-connections",
                20,
                "--settle",
                "0.2s",
                "--rss-sample",
                "0.2s",
                "--parallel",
                50);
        assertThat(num(r, "opened")).isEqualTo(150);
        assertThat(num(r, "connections_asked")).isEqualTo(150);
        assertThat(num(r, "fd_limit")).isPositive();
        assertThat(num(r, "broadcast_events")).isEqualTo(2);
        assertThat(num(r, "broadcast_triggers_per_event")).isEqualTo(1);
        assertThat(num(r, "broadcast_expected")).isEqualTo(300);
        assertThat(num(r, "broadcast_delivered")).isEqualTo(300);
        assertThat(num(r, "broadcast_lost")).isZero();
        assertThat(num(r, "broadcast_duplicates")).isZero();
        assertThat(num(r, "broadcast_api_errors")).isZero();
        assertThat(num(r, "broadcast_last_ms_max")).isGreaterThanOrEqualTo(num(r, "broadcast_last_ms_p50"));
        assertThat(num(r, "broadcast_last_ms_p50")).isPositive();
        assertThat(num(r, "broadcast_p50_ms")).isNotNegative();
        assertThat(num(r, "broadcast_server_us_per_msg")).isNotNegative();
        assertThat((List<?>) r.get("broadcast_last_ms")).hasSize(2);
        assertThat(num(r, "disconnects")).isZero();
    }

    @Test
    void connectBroadcastSplitsChannelsOverTriggers() throws Exception {
        // 150 channels of one connection each: two triggers of at most 100 channels per event.
        Map<String, Object> r = run(
                "connect",
                "--connections",
                150,
                "--broadcast",
                2,
                "--warmup-connections",
                0,
                "--settle",
                "0.2s",
                "--rss-sample",
                "0.2s",
                "--parallel",
                50);
        assertThat(num(r, "channels")).isEqualTo(150);
        assertThat(num(r, "broadcast_triggers_per_event")).isEqualTo(2);
        assertThat(num(r, "broadcast_delivered")).isEqualTo(300);
        assertThat(num(r, "broadcast_lost")).isZero();
        assertThat(num(r, "broadcast_api_errors")).isZero();
    }

    @Test
    void fanoutDeliversEveryEventToEverySubscriber() throws Exception {
        Map<String, Object> r = run(
                "fanout", "--subscribers", 20, "--rate", 50, "--duration", 1, "--warmup", "0.3", "--concurrency", 2);
        assertDeliveredEverything(r);
        assertThat(num(r, "sent_events")).isGreaterThanOrEqualTo(40);
        assertThat(num(r, "expected")).isEqualTo(num(r, "sent_events") * 20);
        assertThat(num(r, "api_errors")).isZero();
    }

    @Test
    void fanoutSweepReportsAPassingRate() throws Exception {
        Map<String, Object> r = run(
                "fanout",
                "--sweep",
                "--subscribers",
                10,
                "--rate",
                20,
                "--step",
                "0.5s",
                "--max-steps",
                2,
                "--warmup",
                "0.2",
                "--p99-limit-ms",
                5000);
        assertThat(num(r, "max_events_per_s")).isGreaterThanOrEqualTo(20);
        assertThat(num(r, "max_delivered_per_s")).isPositive();
        assertThat((List<?>) r.get("steps")).hasSize(2);
    }

    @Test
    void channelsDeliversEachBatchedEventToItsChannel() throws Exception {
        Map<String, Object> r = run(
                "channels", "--connections", 30, "--rate", 300, "--duration", 1, "--warmup", "0.3", "--concurrency", 2);
        assertDeliveredEverything(r);
        assertThat(num(r, "expected")).isEqualTo(num(r, "sent_events"));
        assertThat(num(r, "api_errors")).isZero();
    }

    @Test
    void apiCountsAnsweredTriggers() throws Exception {
        Map<String, Object> r = run("api", "--concurrency", 2, "--duration", 1, "--warmup", "0.3");
        assertThat(num(r, "requests_per_s")).isPositive();
        assertThat(num(r, "api_errors")).isZero();
        assertThat(num(r, "delivered")).isEqualTo(num(r, "expected"));
        assertThat(num(r, "lost")).isZero();
    }

    @Test
    void clientEventsReachThePeer() throws Exception {
        Map<String, Object> r = run("client-events", "--pairs", 5, "--rate", 5, "--duration", 1, "--warmup", "0.3");
        assertDeliveredEverything(r);
        assertThat(num(r, "rejected")).isZero();
    }
}
