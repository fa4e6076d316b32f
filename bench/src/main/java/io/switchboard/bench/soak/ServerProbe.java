package io.switchboard.bench.soak;

import io.switchboard.bench.Proc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads the server process once per sample: resident memory, open descriptors and threads from
 * {@code /proc}, and the heap used after a full collection.
 *
 * <p>Heap: {@code jcmd PID GC.run} (a full, stop-the-world collection), then the sum of {@code
 * jvm_memory_used_bytes{area="heap"}} from the admin listener's {@code /metrics}. Without the forced
 * collection "heap used" is mostly garbage waiting for the next young collection, and the old
 * generation is only collected once it fills a large part of a multi-gigabyte maximum: a leak would
 * stay hidden for the whole hour. After a full collection what is left is what the server holds on
 * to. The pause (tens of milliseconds on a small live set) delays the deliveries in flight once a
 * minute: less than 0.1% of a minute's deliveries, below what the p99 sees. The same scrape gives
 * the server's own gauges (connections, HTTP sessions, the webhook queue).
 */
final class ServerProbe {
    /** One reading; -1 where unknown. */
    record Reading(long rssKb, long fds, long threads, long heapAfterGcBytes, Map<String, Double> metrics) {
        double metric(String name) {
            return metrics.getOrDefault(name, -1.0);
        }
    }

    private final long pid;
    private final int adminPort;
    private final HttpClient http;
    private final Path jcmd;
    private String problem;

    ServerProbe(long pid, int adminPort) {
        this.pid = pid;
        this.adminPort = adminPort;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    }

    /** Why a reading is incomplete, the first time it was; null when every reading was complete. */
    String problem() {
        return problem;
    }

    Reading read() throws InterruptedException {
        boolean collected = collect();
        Map<String, Double> metrics = gauges();
        long heap = -1;
        if (collected && metrics.containsKey("heap")) {
            heap = Math.round(metrics.get("heap"));
        }
        return new Reading(Proc.rssKb(pid), Proc.openFds(pid), Proc.threads(pid), heap, metrics);
    }

    private boolean collect() throws InterruptedException {
        if (pid <= 0 || !Files.isExecutable(jcmd)) {
            note("no full GC: " + (pid <= 0 ? "no --server-pid" : jcmd + " not found"));
            return false;
        }
        // jcmd is a JVM of its own, started on the load generator's core: at the lowest priority
        // and with the cheapest JIT and collector it takes little from the load generator.
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/nice"))) {
            command.addAll(List.of("/usr/bin/nice", "-n", "19"));
        }
        command.addAll(List.of(
                jcmd.toString(),
                "-J-XX:TieredStopAtLevel=1",
                "-J-XX:+UseSerialGC",
                "-J-Xmx64m",
                String.valueOf(pid),
                "GC.run"));
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                note("jcmd GC.run did not finish within 60 s");
                return false;
            }
            if (p.exitValue() != 0) {
                note("jcmd GC.run exited with " + p.exitValue());
                return false;
            }
            return true;
        } catch (IOException e) {
            note("jcmd GC.run failed: " + e.getMessage());
            return false;
        }
    }

    /**
     * The metrics the soak records, summed over their labels: {@code heap}, {@code
     * connections.<transport>}, {@code http_sessions}, {@code webhooks_queued}, {@code
     * webhooks_failed}, {@code webhooks_retried}. Empty when {@code /metrics} cannot be read.
     */
    Map<String, Double> gauges() throws InterruptedException {
        Map<String, Double> out = new HashMap<>();
        if (adminPort <= 0) {
            note("no --admin-port: heap and server gauges not read");
            return out;
        }
        String text;
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                note("/metrics answered " + r.statusCode());
                return out;
            }
            text = r.body();
        } catch (IOException e) {
            note("/metrics failed: " + e);
            return out;
        }
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            int brace = line.indexOf('{');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            String labels = brace >= 0 && brace < space ? line.substring(brace, line.lastIndexOf('}') + 1) : "";
            double value;
            try {
                value = Double.parseDouble(line.substring(space + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            String key = switch (name) {
                case "jvm_memory_used_bytes" -> labels.contains("area=\"heap\"") ? "heap" : null;
                case "switchboard_connections" -> "connections." + label(labels, "transport");
                case "switchboard_http_sessions" -> "http_sessions";
                case "switchboard_webhooks_queued" -> "webhooks_queued";
                case "switchboard_webhooks_failed_total" -> "webhooks_failed";
                case "switchboard_webhooks_retried_total" -> "webhooks_retried";
                default -> null;
            };
            if (key != null) {
                out.merge(key, value, Double::sum);
            }
        }
        return out;
    }

    private static String label(String labels, String name) {
        int at = labels.indexOf(name + "=\"");
        if (at < 0) {
            return "";
        }
        int from = at + name.length() + 2;
        return labels.substring(from, labels.indexOf('"', from));
    }

    private void note(String why) {
        if (problem == null) {
            problem = why;
        }
    }
}
