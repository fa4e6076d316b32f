package io.switchboard.bench.soak;

import io.switchboard.bench.Io;
import io.switchboard.bench.Meter;
import io.switchboard.bench.Options;
import io.switchboard.bench.Scenario;
import io.switchboard.bench.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * {@code soak}: a mixed load for {@code --minutes} (60) against one server, sampled every {@code
 * --sample-every} (60 s) into a CSV, then summed up in a table and plotted as an SVG: fan-out,
 * HTTP fallback sessions, presence churn with client events, a slow and sometimes absent webhook
 * receiver, and hostile clients (see {@link SoakLoad}). The goal: flat memory and descriptors, flat
 * p99, nothing lost. bench/README.md, "Soak", describes every option and column.
 */
public final class SoakScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        double minutes = o.number("minutes", 60);
        double every = o.seconds("sample-every", 60);
        double drain = o.seconds("drain", 10);
        double webhookDrain = o.seconds("webhook-drain", 180);
        double giveUp = o.seconds("webhook-give-up", 360);
        int webhookPort = o.integer("webhook-port", 0);
        Path out = Path.of(o.string("out", "bench/results"));
        String name = "soak-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        WebhookReceiver.Behaviour behaviour = new WebhookReceiver.Behaviour(
                o.seconds("webhook-delay-min", 1),
                o.seconds("webhook-delay-max", 3),
                o.seconds("webhook-outage", 30),
                o.seconds("webhook-outage-every", 300),
                o.seconds("webhook-first-outage", 120),
                o.integer("break-webhooks", 0));
        try (Io io = new Io(o.integer("threads", 1))) {
            Map<String, Object> r = Scenario.header("soak", target, io);
            SoakContext ctx = new SoakContext(io, target, o.seconds("reconnect-delay", 1));
            WebhookReceiver receiver = null;
            if (webhookPort > 0) {
                receiver = new WebhookReceiver(io.group().next(), webhookPort, target.secret(), ctx.ledger, behaviour);
                receiver.start();
            }
            SoakLoad load = new SoakLoad(ctx, o);
            ServerProbe probe = new ServerProbe(target.pid(), o.integer("admin-port", 0));
            try (SoakReport report = new SoakReport(out.resolve(name + ".csv"))) {
                SoakSampler sampler = new SoakSampler(ctx, load, receiver, probe, giveUp);
                long emptyAt = System.nanoTime();
                Map<String, Object> empty = sampler.row("empty");
                load.open(o.seconds("connect-timeout", 60));
                Map<String, Object> started = sampler.row("start");
                long start = System.nanoTime();
                sampler.loadStarts(start);
                empty.put("minute", (emptyAt - start) / 60e9);
                started.put("minute", 0.0);
                report.add(empty);
                report.add(started);
                load.start();
                long end = start + (long) (minutes * 60e9);
                for (long next = start + (long) (every * 1e9); ; next += (long) (every * 1e9)) {
                    long wake = Math.min(next, end);
                    sleepUntil(wake);
                    Map<String, Object> row = sampler.row("load");
                    report.add(row);
                    System.err.println(progress(row));
                    if (wake >= end) {
                        break;
                    }
                }
                load.stop();
                long drainUntil = System.nanoTime() + (long) (drain * 1e9);
                while (load.behind() > 0 && System.nanoTime() < drainUntil) {
                    Thread.sleep(50);
                }
                load.countTails();
                load.close();
                drainWebhooks(ctx, probe, webhookDrain, o.seconds("removal-delay", 3));
                Map<String, Object> last = sampler.row("end");
                report.add(last);
                System.err.println(progress(last) + " (after draining)");
                if (receiver != null) {
                    receiver.close();
                }
                summarize(r, report, ctx, load, receiver, probe, minutes, o);
                Path svg = out.resolve(name + ".svg");
                Files.writeString(
                        svg,
                        SoakPlot.svg(
                                "Switchboard soak " + name.substring(5) + ", " + fmtMinutes(minutes), report.rows()),
                        StandardCharsets.UTF_8);
                Path md = out.resolve(name + ".md");
                String table = (String) r.remove("table");
                Files.writeString(md, table, StandardCharsets.UTF_8);
                System.err.println(table);
                r.put("csv", report.csv().toString());
                r.put("svg", svg.toString());
                r.put("summary", md.toString());
            }
            return r;
        }
    }

    /**
     * Waits, once the removals held back for the closes just made are due (the removal delay plus
     * 2 s), until every expected webhook arrived, or until the server has nothing left to send: no
     * batch in its queue ({@code switchboard_webhooks_queued}) for three readings a second apart. At
     * most {@code seconds}.
     */
    private static void drainWebhooks(SoakContext ctx, ServerProbe probe, double seconds, double removalDelay)
            throws InterruptedException {
        long now = System.nanoTime();
        long until = now + (long) (seconds * 1e9);
        long settled = now + (long) ((removalDelay + 2) * 1e9);
        int empty = 0;
        // The closes just made are expected as they complete, and the server sends their removals
        // only after its removal delay: until then "nothing pending" means nothing.
        while ((System.nanoTime() < settled || ctx.ledger.counts(Long.MAX_VALUE).pending() > 0)
                && System.nanoTime() < until) {
            Thread.sleep(1000);
            if (System.nanoTime() > settled) {
                Double queued = probe.gauges().get("webhooks_queued");
                empty = queued != null && queued == 0 ? empty + 1 : 0;
                if (empty >= 3) {
                    return;
                }
            }
        }
    }

    /**
     * Writes the plot of a soak CSV beside it ({@code soak-plot FILE.csv}), e.g. for a run that was
     * stopped before it could write its own; returns the SVG's path.
     */
    public static Path plot(Path csv) throws java.io.IOException {
        String file = csv.getFileName().toString();
        String name = file.endsWith(".csv") ? file.substring(0, file.length() - 4) : file;
        Path svg = csv.resolveSibling(name + ".svg");
        Files.writeString(svg, SoakPlot.svg("Switchboard " + name, SoakReport.read(csv)), StandardCharsets.UTF_8);
        return svg;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, Math.min(1000, left / 1_000_000)));
        }
    }

    private static String progress(Map<String, Object> row) {
        return String.format(
                Locale.ROOT,
                "soak %.1f min: rss %s MB, heap %s MB, fds %s, p99 %s ms, lost %s, webhooks pending %s lost %s",
                (Double) row.get("minute"),
                SoakReport.fmt(row.get("rss_mb")),
                SoakReport.fmt(row.get("heap_after_gc_mb")),
                SoakReport.fmt(row.get("fds")),
                SoakReport.fmt(row.get("p99_ms")),
                SoakReport.fmt(row.get("lost_total")),
                SoakReport.fmt(row.get("webhooks_pending")),
                SoakReport.fmt(row.get("webhooks_lost")));
    }

    private static String fmtMinutes(double minutes) {
        return SoakReport.fmt(minutes) + " min";
    }

    /** Puts the run's figures into {@code r}, and the summary table under {@code "table"}. */
    private static void summarize(
            Map<String, Object> r,
            SoakReport report,
            SoakContext ctx,
            SoakLoad load,
            WebhookReceiver receiver,
            ServerProbe probe,
            double minutes,
            Options o) {
        List<String[]> lines = new ArrayList<>();
        r.put("minutes", minutes);
        r.put("samples", report.rows().size());
        Map<String, Object> empty = report.rows().get(0);
        Map<String, Object> end = report.rows().get(report.rows().size() - 1);
        Map<String, Object> idle = new LinkedHashMap<>();
        for (String column :
                List.of("rss_mb", "heap_after_gc_mb", "fds", "threads", "ws_connections", "http_sessions")) {
            idle.put(column, List.of(valueOr(empty.get(column)), valueOr(end.get(column))));
            lines.add(new String[] {
                column + " with no client: before / after the run",
                SoakReport.fmt(empty.get(column)) + " / " + SoakReport.fmt(end.get(column)),
                column.startsWith("rss") ? "close" : "equal"
            });
        }
        r.put("no_clients_before_after", idle);
        for (String column : List.of("rss_mb", "heap_after_gc_mb", "fds", "threads")) {
            Map<String, Object> t = report.trend(column);
            r.put(column, t);
            lines.add(new String[] {
                column + " under load: first / last / max",
                SoakReport.fmt(t.get("first")) + " / " + SoakReport.fmt(t.get("last")) + " / "
                        + SoakReport.fmt(t.get("max")),
                "flat"
            });
            lines.add(new String[] {column + " under load: change per hour", SoakReport.fmt(t.get("per_hour")), "~0"});
        }
        Map<String, Object> cpu = new LinkedHashMap<>();
        for (String column : List.of("server_cpu", "server_wait", "client_cpu", "client_wait")) {
            cpu.put(column, SoakReport.median(report.series(column)));
        }
        r.put("cpu_median", cpu);
        lines.add(new String[] {
            "cores used / waiting for a CPU, median under load: server; load generator",
            SoakReport.fmt(cpu.get("server_cpu")) + " / " + SoakReport.fmt(cpu.get("server_wait")) + "; "
                    + SoakReport.fmt(cpu.get("client_cpu")) + " / " + SoakReport.fmt(cpu.get("client_wait")),
            "waiting well below used (else the machine set the latency)"
        });
        List<Double> p99s = report.series("p99_ms");
        double medianP99 = SoakReport.median(p99s);
        double maxP99 = p99s.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        r.put("p99_ms_median_interval", medianP99);
        r.put("p99_ms_worst_interval", maxP99);
        lines.add(new String[] {
            "delivery p99 per interval: median / worst (ms)",
            SoakReport.fmt(medianP99) + " / " + SoakReport.fmt(maxP99),
            "flat"
        });
        long lostTotal = 0;
        for (Deliveries d : List.of(ctx.fanout, ctx.fallback, ctx.clientEvents)) {
            Histogram h = d.totalLatency();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("delivered", d.deliveredTotal());
            m.put("lost", d.lostTotal());
            m.put("duplicates", d.duplicatesTotal());
            m.put("p99_ms", h.getTotalCount() == 0 ? null : Meter.ms(h.getValueAtPercentile(99)));
            r.put(d.kind(), m);
            lostTotal += d.lostTotal();
            lines.add(new String[] {
                d.kind() + ": delivered / lost / repeated; p99 ms",
                SoakReport.fmt(d.deliveredTotal()) + " / " + SoakReport.fmt(d.lostTotal()) + " / "
                        + SoakReport.fmt(d.duplicatesTotal()) + "; " + SoakReport.fmt(m.get("p99_ms")),
                "0 lost"
            });
        }
        r.put("lost", lostTotal);
        WebhookLedger.Counts w = ctx.ledger.counts(Long.MAX_VALUE);
        Map<String, Object> wm = new LinkedHashMap<>();
        wm.put("expected", w.expected());
        wm.put("arrived", w.arrived());
        wm.put("lost", w.pending());
        wm.put("duplicates", w.duplicates());
        wm.put("unexpected", w.unexpected());
        wm.put("other", ctx.ledger.others());
        if (receiver != null) {
            wm.put("posts", receiver.posts.sum());
            wm.put("bad_signatures", receiver.badSignatures.sum());
            wm.put("outages", receiver.outages.sum());
            if (w.forgotten() > 0) {
                // Expected events the receiver threw away on purpose: the only losses allowed.
                wm.put("ignored_on_purpose", w.forgotten());
            }
        }
        if (w.pending() > 0) {
            wm.put("lost_samples", ctx.ledger.pendingSamples(5));
        }
        r.put("webhooks", wm);
        lines.add(new String[] {
            "webhooks: expected / arrived / lost",
            SoakReport.fmt(w.expected()) + " / " + SoakReport.fmt(w.arrived()) + " / " + SoakReport.fmt(w.pending()),
            "0 lost"
        });
        lines.add(new String[] {
            "webhooks: repeated / not expected / bad signature / POSTs / receiver outages",
            SoakReport.fmt(w.duplicates()) + " / " + SoakReport.fmt(w.unexpected()) + " / "
                    + SoakReport.fmt(wm.get("bad_signatures")) + " / " + SoakReport.fmt(wm.get("posts")) + " / "
                    + SoakReport.fmt(wm.get("outages")),
            "0 bad signatures"
        });
        long published = load.publisher.published();
        r.put("published", published);
        r.put("api_errors", load.publisher.apiErrors());
        r.put("client_events_sent", sum(load));
        r.put("presence_joins", load.presence.joins.sum());
        r.put("reconnects", ctx.reconnects.sum());
        r.put("client_errors", ctx.errors.sum());
        r.put("silent_subscribers", load.silentSubscribers());
        lines.add(new String[] {
            "events published / REST errors / client events sent / presence joins",
            SoakReport.fmt(published) + " / " + SoakReport.fmt(load.publisher.apiErrors()) + " / "
                    + SoakReport.fmt(sum(load)) + " / " + SoakReport.fmt(load.presence.joins.sum()),
            "0 errors"
        });
        lines.add(new String[] {
            "well-behaved reconnects / errors / subscribers that never received",
            SoakReport.fmt(ctx.reconnects.sum()) + " / " + SoakReport.fmt(ctx.errors.sum()) + " / "
                    + SoakReport.fmt(load.silentSubscribers()),
            "0 / 0 / 0"
        });
        Map<String, Object> fm = new LinkedHashMap<>();
        for (var mode : List.of(FallbackSession.Mode.STREAMING, FallbackSession.Mode.POLLING)) {
            FallbackSession.Counters c = mode == FallbackSession.Mode.STREAMING ? load.streaming : load.polling;
            fm.put(mode.path, Map.of("sessions", c.sessions.sum(), "receive_requests", c.receiveRequests.sum()));
            lines.add(new String[] {
                mode.path + ": sessions opened / receive requests",
                SoakReport.fmt(c.sessions.sum()) + " / " + SoakReport.fmt(c.receiveRequests.sum()),
                "sessions = clients"
            });
        }
        r.put("fallback_sessions", fm);
        HostileClients h = load.hostile;
        Map<String, Object> hm = new LinkedHashMap<>();
        hm.put("flood_frames", h.floodFrames.sum());
        hm.put("flood_closed", h.floodClosed.sum());
        hm.put("slowloris_opened", h.slowlorisOpened.sum());
        hm.put("slowloris_closed", h.slowlorisClosed.sum());
        hm.put("pipelined_requests", h.pipelined.sum());
        hm.put("pipeline_closed", h.pipelineClosed.sum());
        hm.put("stalled_closed", h.stalledClosed.sum());
        r.put("hostile", hm);
        lines.add(new String[] {
            "hostile closed by the server: flood / slowloris (of opened) / pipeline / stalled",
            h.floodClosed.sum() + " / " + h.slowlorisClosed.sum() + " (of " + h.slowlorisOpened.sum() + ") / "
                    + h.pipelineClosed.sum() + " / " + h.stalledClosed.sum(),
            "closed, not served forever"
        });
        if (ctx.droppedOnPurpose.sum() > 0) {
            r.put("dropped_on_purpose", ctx.droppedOnPurpose.sum());
            lines.add(
                    new String[] {"deliveries dropped on purpose (--break-subscriber)", "" + ctx.droppedOnPurpose.sum()
                    });
        }
        if (probe.problem() != null) {
            r.put("probe_problem", probe.problem());
        }
        if (!ctx.notes().isEmpty()) {
            r.put("notes", ctx.notes());
        }
        r.put("table", SoakReport.table("Soak " + fmtMinutes(minutes) + " against " + r.get("target"), lines));
    }

    private static Object valueOr(Object v) {
        return v == null ? "n/a" : v;
    }

    private static long sum(SoakLoad load) {
        long n = 0;
        for (int ch = 0; ch < load.presence.channels(); ch++) {
            n += load.presence.lastSent(ch);
        }
        return n;
    }
}
