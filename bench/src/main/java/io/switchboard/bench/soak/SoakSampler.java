package io.switchboard.bench.soak;

import io.switchboard.bench.Proc;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Takes one row of the soak's CSV: the server's readings (see {@link ServerProbe}) and what the
 * load saw since the previous row. Column meanings: bench/README.md, "Soak".
 */
final class SoakSampler {
    private final SoakContext ctx;
    private final SoakLoad load;
    private final WebhookReceiver receiver;
    private final ServerProbe probe;
    private final long giveUpNanos;
    private long start;
    private double cpuSeconds;
    private double clientCpuSeconds;
    private double serverWaitSeconds;
    private double clientWaitSeconds;
    private long cpuAt;
    private long published;
    private long apiErrors;
    private long reconnects;
    private long errors;

    SoakSampler(SoakContext ctx, SoakLoad load, WebhookReceiver receiver, ServerProbe probe, double giveUpSeconds) {
        this.ctx = ctx;
        this.load = load;
        this.receiver = receiver;
        this.probe = probe;
        this.giveUpNanos = (long) (giveUpSeconds * 1e9);
        this.start = System.nanoTime();
        this.cpuSeconds = Proc.cpuSeconds(ctx.target.pid());
        this.clientCpuSeconds = Proc.cpuSeconds(Proc.self());
        this.serverWaitSeconds = Proc.runDelaySeconds(ctx.target.pid());
        this.clientWaitSeconds = Proc.runDelaySeconds(Proc.self());
        this.cpuAt = System.nanoTime();
    }

    /** The load starts now: the {@code minute} column counts from here. */
    void loadStarts(long nanos) {
        start = nanos;
    }

    /**
     * One row of the {@code phase}: {@code empty} (no client connected yet), {@code start} (every
     * client connected, no load yet), {@code load}, or {@code end} (load stopped, every client
     * closed, webhooks drained). In the {@code end} row every expected webhook that has not arrived
     * counts as lost; before it, only those expected longer ago than the give-up time.
     */
    Map<String, Object> row(String phase) throws InterruptedException {
        long now = System.nanoTime();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("minute", (now - start) / 60e9);
        row.put("phase", phase);
        boolean last = phase.equals("end");
        ServerProbe.Reading server = probe.read();
        row.put("rss_mb", server.rssKb() < 0 ? null : server.rssKb() / 1024.0);
        row.put("heap_after_gc_mb", server.heapAfterGcBytes() < 0 ? null : server.heapAfterGcBytes() / 1048576.0);
        row.put("fds", server.fds() < 0 ? null : server.fds());
        row.put("threads", server.threads() < 0 ? null : server.threads());
        double cpu = Proc.cpuSeconds(ctx.target.pid());
        double clientCpu = Proc.cpuSeconds(Proc.self());
        double serverWait = Proc.runDelaySeconds(ctx.target.pid());
        double clientWait = Proc.runDelaySeconds(Proc.self());
        long cpuNow = System.nanoTime();
        double wall = (cpuNow - cpuAt) / 1e9;
        row.put("server_cpu", cpu < 0 || cpuSeconds < 0 ? null : (cpu - cpuSeconds) / wall);
        // near 1.0: the load generator, not the server, may have been the limit
        row.put("client_cpu", clientCpu < 0 || clientCpuSeconds < 0 ? null : (clientCpu - clientCpuSeconds) / wall);
        // runnable but waiting for a CPU, in cores: the machine, not the process, was the limit
        row.put(
                "server_wait",
                serverWait < 0 || serverWaitSeconds < 0 ? null : (serverWait - serverWaitSeconds) / wall);
        row.put(
                "client_wait",
                clientWait < 0 || clientWaitSeconds < 0 ? null : (clientWait - clientWaitSeconds) / wall);
        cpuSeconds = cpu;
        clientCpuSeconds = clientCpu;
        serverWaitSeconds = serverWait;
        clientWaitSeconds = clientWait;
        cpuAt = cpuNow;

        long p = load.publisher.published();
        row.put("published", p - published);
        published = p;
        long e = load.publisher.apiErrors();
        row.put("api_errors", e - apiErrors);
        apiErrors = e;

        Deliveries.Interval fanout = ctx.fanout.interval();
        Deliveries.Interval fallback = ctx.fallback.interval();
        Deliveries.Interval clientEvents = ctx.clientEvents.interval();
        Histogram all = fanout.latency().copy();
        all.add(fallback.latency());
        all.add(clientEvents.latency());
        row.put("delivered", fanout.delivered() + fallback.delivered() + clientEvents.delivered());
        row.put("lost", fanout.lost() + fallback.lost() + clientEvents.lost());
        row.put("duplicates", fanout.duplicates() + fallback.duplicates() + clientEvents.duplicates());
        boolean any = all.getTotalCount() > 0;
        row.put("p50_ms", any ? all.getValueAtPercentile(50) / 1000.0 : null);
        row.put("p99_ms", any ? all.getValueAtPercentile(99) / 1000.0 : null);
        row.put("max_ms", any ? all.getMaxValue() / 1000.0 : null);
        row.put("lost_total", ctx.fanout.lostTotal() + ctx.fallback.lostTotal() + ctx.clientEvents.lostTotal());
        row.put("fanout_delivered", fanout.delivered());
        row.put("fanout_lost", fanout.lost());
        row.put("fallback_delivered", fallback.delivered());
        row.put("fallback_lost", fallback.lost());
        row.put("client_events_delivered", clientEvents.delivered());
        row.put("client_events_lost", clientEvents.lost());

        long rc = ctx.reconnects.sum();
        row.put("reconnects", rc - reconnects);
        reconnects = rc;
        long er = ctx.errors.sum();
        row.put("client_errors", er - errors);
        errors = er;

        WebhookLedger.Counts w = ctx.ledger.counts(giveUpNanos);
        row.put("webhooks_expected", w.expected());
        row.put("webhooks_arrived", w.arrived());
        row.put("webhooks_pending", w.pending());
        row.put("webhooks_oldest_pending_s", w.oldestPendingSeconds());
        row.put("webhooks_lost", last ? w.pending() : w.overdue());
        row.put("webhooks_duplicates", w.duplicates());
        row.put("receiver_up", receiver == null ? null : receiver.up() ? 1 : 0);
        row.put("server_webhooks_queued", metric(server, "webhooks_queued"));
        row.put("server_webhooks_failed", metric(server, "webhooks_failed"));

        row.put("ws_connections", metric(server, "connections.websocket"));
        row.put("xhr_streaming", metric(server, "connections.xhr_streaming"));
        row.put("xhr_polling", metric(server, "connections.xhr_polling"));
        row.put("http_sessions", metric(server, "http_sessions"));
        row.put("presence_joins", load.presence.joins.sum());
        row.put("hostile_closed", load.hostile.closedByServer());
        row.put("slowloris_open", load.hostile.slowlorisOpen());
        return row;
    }

    private static Object metric(ServerProbe.Reading r, String name) {
        double v = r.metric(name);
        return v < 0 ? null : (Object) v;
    }
}
