package io.switchboard.bench;

import java.util.Map;

/**
 * {@code connect}: opens N connections, each subscribed to a channel, and reports the rate, the
 * failures and the server's resident memory per connection (VmRSS delta / N).
 */
public final class ConnectScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        int n = o.integer("connections", 10_000);
        int parallel = o.integer("parallel", 200);
        int channels = o.integer("channels", 0); // 0: one channel per connection
        int warmup = o.integer("warmup-connections", Math.min(n, 1000));
        double settle = o.seconds("settle", 2);
        double sample = o.seconds("rss-sample", 2);
        double hold = o.seconds("hold", 0);
        double timeout = o.seconds("timeout", 120);
        try (Io io = new Io(o.integer("threads", 1))) {
            Map<String, Object> r = Scenario.header("connect", target, io);
            r.put("connections", n);
            r.put("channels", channels <= 0 ? n : channels);
            if (warmup > 0) {
                // Warms both JITs and lets the server reach its steady footprint before measuring.
                try (Fleet w = new Fleet(io, target)) {
                    w.open(warmup, i -> "bench-warm-" + i, parallel, timeout);
                }
                Thread.sleep((long) (settle * 1000));
            }
            long rssBefore = Proc.settledRssKb(target.pid(), sample);
            try (Fleet fleet = new Fleet(io, target)) {
                Proc.CpuMeter server = new Proc.CpuMeter(target.pid());
                long start = System.nanoTime();
                fleet.open(n, i -> "bench-c-" + (channels <= 0 ? i : i % channels), parallel, timeout);
                double seconds = (System.nanoTime() - start) / 1e9;
                double serverSeconds = server.seconds();
                Thread.sleep((long) (settle * 1000));
                long rssAfter = Proc.settledRssKb(target.pid(), sample);
                if (hold > 0) {
                    Thread.sleep((long) (hold * 1000));
                }
                r.put("opened", fleet.subscribed());
                r.put("failures", fleet.failures() + fleet.errors());
                r.put("disconnects", fleet.disconnects());
                r.put("seconds", seconds);
                r.put("connections_per_s", fleet.subscribed() / seconds);
                if (serverSeconds >= 0) {
                    r.put("server_cpu", serverSeconds / seconds);
                    r.put("server_us_per_connection", serverSeconds * 1e6 / Math.max(1, fleet.subscribed()));
                }
                if (rssBefore > 0 && rssAfter > 0) {
                    r.put("rss_before_mb", rssBefore / 1024.0);
                    r.put("rss_after_mb", rssAfter / 1024.0);
                    r.put("bytes_per_connection", (rssAfter - rssBefore) * 1024.0 / Math.max(1, fleet.subscribed()));
                }
                if (!fleet.errorSamples().isEmpty()) {
                    r.put("error_samples", fleet.errorSamples());
                }
            }
            return r;
        }
    }
}
