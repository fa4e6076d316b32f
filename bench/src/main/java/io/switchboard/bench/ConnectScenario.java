package io.switchboard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code connect}: opens N connections, each subscribed to a channel, and reports the rate, the
 * failures and the server's resident memory per connection (VmRSS delta / N). N is first lowered to
 * what both processes' open-file limits allow ({@link FdLimits}). With {@code --broadcast K}, it
 * then sends K events to every connection one at a time and reports how long each took to reach
 * them all ({@link Broadcast}).
 */
public final class ConnectScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        int asked = o.integer("connections", 10_000);
        int parallel = o.integer("parallel", 200);
        int channels = o.integer("channels", 0); // 0: one channel per connection
        int broadcast = o.integer("broadcast", 0);
        int perTrigger = o.integer("channels-per-trigger", 100);
        int payload = o.integer("payload", 100);
        int concurrency = o.integer("concurrency", 0); // 0: one REST connection per trigger, at most 8
        double settle = o.seconds("settle", 2);
        double sample = o.seconds("rss-sample", 2);
        double hold = o.seconds("hold", 0);
        double timeout = o.seconds("timeout", 120);
        double drain = o.seconds("drain", 5);
        // The warm-up connections are closed before the measured ones open: none is still open then.
        FdLimits.Budget budget = FdLimits.budget(
                asked,
                0,
                FdLimits.SPARE,
                FdLimits.of(Proc.self()),
                FdLimits.of(target.pid()),
                target.pid() == Proc.self());
        if (budget.clamped()) {
            System.err.println(budget.message());
        }
        int n = budget.used();
        int warmup = Math.min(n, o.integer("warmup-connections", Math.min(n, 1000)));
        // A JIT keeps compiling the connect path for tens of thousands of connections: several
        // rounds of warm-up connections (each closed before the next) measure a server run in.
        int warmupRounds = Math.max(1, o.integer("warmup-rounds", 1));
        try (Io io = new Io(o.integer("threads", 1))) {
            Map<String, Object> r = Scenario.header("connect", target, io);
            r.put("connections", n);
            r.put("connections_asked", asked);
            if (budget.limit() >= 0) {
                r.put("fd_limit", budget.limit());
                r.put("fd_limit_of", budget.side());
            }
            r.put("channels", channels <= 0 ? n : channels);
            // Opened first and kept open across both memory readings, so that it cancels out.
            RestClient rest = null;
            if (broadcast > 0) {
                int triggers = (channelNames("bench-c-", channels, n).size() + perTrigger - 1) / perTrigger;
                rest = new RestClient(io, io.group().next(), target);
                rest.connect(concurrency > 0 ? concurrency : Math.max(1, Math.min(8, triggers)))
                        .get((long) timeout, TimeUnit.SECONDS);
            }
            long warmedUp = 0;
            try {
                for (int round = 0; warmup > 0 && round < warmupRounds; round++) {
                    // Warms both JITs and lets the server reach its steady footprint before
                    // measuring; with --broadcast, its fan-out and REST paths too.
                    try (Fleet w = new Fleet(io, target)) {
                        Broadcast warm = new Broadcast(warmup);
                        w.onStamps(warm);
                        w.open(warmup, i -> channel("bench-warm-", channels, i), parallel, timeout);
                        warmedUp += w.subscribed();
                        if (rest != null) {
                            List<String> names = channelNames("bench-warm-", channels, warmup);
                            warm.run(
                                    "warm-up broadcast",
                                    w,
                                    rest,
                                    target,
                                    names,
                                    perTrigger,
                                    broadcast,
                                    payload,
                                    timeout,
                                    drain);
                        }
                    }
                    Thread.sleep((long) (settle * 1000));
                }
                long rssBefore = Proc.settledRssKb(target.pid(), sample);
                try (Fleet fleet = new Fleet(io, target)) {
                    Broadcast deliveries = new Broadcast(n);
                    fleet.onStamps(deliveries);
                    Proc.CpuMeter server = new Proc.CpuMeter(target.pid());
                    long start = System.nanoTime();
                    fleet.open(n, i -> channel("bench-c-", channels, i), parallel, timeout);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double serverSeconds = server.seconds();
                    Histogram setup = fleet.setupMicros();
                    Thread.sleep((long) (settle * 1000));
                    long rssAfter = Proc.settledRssKb(target.pid(), sample);
                    Map<String, Object> delivered = rest == null
                            ? Map.of()
                            : deliveries.run(
                                    "broadcast",
                                    fleet,
                                    rest,
                                    target,
                                    channelNames("bench-c-", channels, n),
                                    perTrigger,
                                    broadcast,
                                    payload,
                                    timeout,
                                    drain);
                    if (hold > 0) {
                        Thread.sleep((long) (hold * 1000));
                    }
                    r.put("warmup_connections", warmedUp);
                    r.put("opened", fleet.subscribed());
                    r.put("failures", fleet.failures() + fleet.errors());
                    r.put("disconnects", fleet.disconnects());
                    r.put("seconds", seconds);
                    r.put("connections_per_s", fleet.subscribed() / seconds);
                    if (setup.getTotalCount() > 0) {
                        r.put("subscribed_p50_ms", setup.getValueAtPercentile(50) / 1000.0);
                        r.put("subscribed_p99_ms", setup.getValueAtPercentile(99) / 1000.0);
                    }
                    if (serverSeconds >= 0) {
                        r.put("server_cpu", serverSeconds / seconds);
                        r.put("server_us_per_connection", serverSeconds * 1e6 / Math.max(1, fleet.subscribed()));
                    }
                    if (rssBefore > 0 && rssAfter > 0) {
                        r.put("rss_before_mb", rssBefore / 1024.0);
                        r.put("rss_after_mb", rssAfter / 1024.0);
                        r.put(
                                "bytes_per_connection",
                                (rssAfter - rssBefore) * 1024.0 / Math.max(1, fleet.subscribed()));
                    }
                    r.putAll(delivered);
                    if (!fleet.errorSamples().isEmpty()) {
                        r.put("error_samples", fleet.errorSamples());
                    }
                }
            } finally {
                if (rest != null) {
                    rest.close();
                }
            }
            return r;
        }
    }

    /** The channel connection {@code i} subscribes to: its own, or one of {@code channels} shared ones. */
    private static String channel(String prefix, int channels, int i) {
        return prefix + (channels <= 0 ? i : i % channels);
    }

    /** Every channel some of {@code connections} connections subscribe to. */
    private static List<String> channelNames(String prefix, int channels, int connections) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < (channels <= 0 ? connections : Math.min(channels, connections)); i++) {
            names.add(channel(prefix, channels, i));
        }
        return names;
    }
}
