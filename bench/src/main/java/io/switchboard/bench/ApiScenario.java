package io.switchboard.bench;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code api}: REST trigger requests/s at a fixed concurrency (closed loop: each keep-alive
 * connection sends its next request when the previous one is answered), to a channel with {@code
 * --subscribers} (1) subscribers whose deliveries are checked too.
 */
public final class ApiScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        int concurrency = o.integer("concurrency", 16);
        int subscribers = o.integer("subscribers", 1);
        int payload = o.integer("payload", 100);
        double warmup = o.seconds("warmup", 2);
        double duration = o.seconds("duration", 10);
        double drain = o.seconds("drain", 5);
        String channel = o.string("channel", "bench-api");
        try (Io io = new Io(o.integer("threads", 1));
                Fleet fleet = new Fleet(io, target)) {
            Map<String, Object> r = Scenario.header("api", target, io);
            r.put("concurrency", concurrency);
            r.put("subscribers", subscribers);
            r.put("payload_bytes", payload);
            if (subscribers > 0) {
                fleet.open(subscribers, i -> channel, 200, o.seconds("connect-timeout", 60));
                Scenario.requireAll(fleet, subscribers, "subscribers");
            }
            RestClient rest = new RestClient(io, io.group().next(), target);
            rest.connect(concurrency).get();
            ClosedLoop loop =
                    new ClosedLoop(rest, "/apps/" + target.appId() + "/events", channel, payload, subscribers);
            fleet.onStamps((c, t, s) -> loop.meter.stamp(t, s));
            try {
                if (warmup > 0) {
                    loop.run(concurrency, warmup);
                }
                Proc.CpuMeter server = new Proc.CpuMeter(target.pid());
                Proc.CpuMeter client = new Proc.CpuMeter(Proc.self());
                ClosedLoop.Phase p = loop.run(concurrency, duration);
                double serverCpu = server.cores();
                double clientCpu = client.cores();
                Trigger.drain(p.meter(), drain);
                double serverSeconds = server.seconds();
                Histogram h = p.latency();
                r.put("requests", p.requests());
                r.put("requests_per_s", p.accepted() / duration);
                r.put("api_errors", p.requests() - p.accepted());
                r.put("req_p50_ms", Meter.ms(h.getValueAtPercentile(50)));
                r.put("req_p99_ms", Meter.ms(h.getValueAtPercentile(99)));
                r.put("req_p999_ms", Meter.ms(h.getValueAtPercentile(99.9)));
                r.put("expected", p.meter().expected());
                r.put("delivered", p.meter().received());
                r.put("lost", Math.max(0, p.meter().expected() - p.meter().received()));
                if (serverCpu >= 0) {
                    r.put("server_cpu", serverCpu);
                    r.put("server_us_per_request", p.requests() == 0 ? 0 : serverSeconds * 1e6 / p.requests());
                }
                r.put("client_cpu", clientCpu);
                if (p.lastBadStatus() != 0) {
                    r.put("last_error_status", p.lastBadStatus());
                }
            } finally {
                rest.close();
            }
            r.put("disconnects", fleet.disconnects());
            return r;
        }
    }

    /** Keeps {@code concurrency} requests in flight until the phase ends. Runs on the REST loop. */
    private static final class ClosedLoop {
        record Phase(long requests, long accepted, int lastBadStatus, Histogram latency, Meter meter) {}

        private final RestClient rest;
        private final String path;
        private final String prefix;
        private final int payload;
        private final int fanout;
        volatile Meter meter = new Meter(Long.MAX_VALUE);
        private long nextSeq;

        ClosedLoop(RestClient rest, String path, String channel, int payload, int fanout) {
            this.rest = rest;
            this.path = path;
            this.prefix = "{\"name\":\"bench\",\"channel\":\"" + channel + "\",\"data\":\"";
            this.payload = payload;
            this.fanout = fanout;
        }

        Phase run(int concurrency, double seconds) throws Exception {
            CompletableFuture<Phase> done = new CompletableFuture<>();
            rest.loop().execute(() -> start(concurrency, seconds, done));
            return done.get((long) (seconds * 1000) + 30_000, TimeUnit.MILLISECONDS);
        }

        private void start(int concurrency, double seconds, CompletableFuture<Phase> done) {
            Meter m = new Meter(nextSeq);
            meter = m;
            Recorder latency = new Recorder(60_000_000L, 3);
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long[] counts = new long[3]; // requests, accepted, last bad status
            int[] inFlight = {0};
            Runnable[] next = new Runnable[1];
            next[0] = () -> {
                long now = System.nanoTime();
                if (now >= end) {
                    if (inFlight[0] == 0 && !done.isDone()) {
                        m.end(nextSeq);
                        done.complete(
                                new Phase(counts[0], counts[1], (int) counts[2], latency.getIntervalHistogram(), m));
                    }
                    return;
                }
                long seq = nextSeq++;
                counts[0]++;
                inFlight[0]++;
                byte[] body = Trigger.utf8(prefix + Payload.data(now, seq, payload) + "\"}");
                rest.post(path, body, (status, sentAt) -> {
                    inFlight[0]--;
                    latency.recordValue(Math.min((System.nanoTime() - sentAt) / 1000, 60_000_000L));
                    if (status >= 200 && status < 300) {
                        counts[1]++;
                        m.expect(fanout);
                    } else {
                        counts[2] = status;
                    }
                    next[0].run();
                });
            };
            for (int i = 0; i < concurrency; i++) {
                next[0].run();
            }
        }
    }
}
