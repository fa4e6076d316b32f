package io.switchboard.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code fanout}: N subscribers on one channel; events triggered through {@code POST
 * /apps/{id}/events} at a set rate. Reports delivered messages/s, loss and latency from the
 * trigger's due time to receipt. With {@code --sweep}, searches the highest rate whose p99 stays
 * under {@code --p99-limit-ms} with nothing lost. With {@code --console-viewers N}, N debug console
 * viewers watch the app from Switchboard's dashboard throughout (on {@code --admin-port}, default
 * the port + 1000 as run.sh sets it, with {@code --admin-token} if the listener has one), to
 * measure what watching a busy app costs.
 */
public final class FanoutScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        int subscribers = o.integer("subscribers", 1000);
        int payload = o.integer("payload", 100);
        String channel = o.string("channel", "bench-fanout");
        double warmup = o.seconds("warmup", 2);
        double duration = o.seconds("duration", 10);
        double drain = o.seconds("drain", 5);
        int concurrency = o.integer("concurrency", 8);
        boolean sweep = o.flag("sweep");
        double rate = o.number("rate", Math.max(1, 100_000.0 / subscribers));
        int viewers = o.integer("console-viewers", 0);
        int adminPort = o.integer("admin-port", target.port() + 1000);
        String adminToken = o.string("admin-token", "");
        try (Io io = new Io(o.integer("threads", 1));
                Fleet fleet = new Fleet(io, target);
                ConsoleViewers console = viewers > 0
                        ? new ConsoleViewers(target.host(), adminPort, target.appId(), adminToken, viewers)
                        : null) {
            Map<String, Object> r = Scenario.header(sweep ? "fanout-sweep" : "fanout", target, io);
            r.put("subscribers", subscribers);
            r.put("payload_bytes", payload);
            fleet.open(subscribers, i -> channel, o.integer("parallel", 200), o.seconds("connect-timeout", 120));
            Scenario.requireAll(fleet, subscribers, "subscribers");
            // --rest-port sends the triggers to another node of a cluster than the subscribers'
            int restPort = o.integer("rest-port", target.port());
            if (restPort != target.port()) {
                r.put("rest_port", restPort);
            }
            RestClient rest = new RestClient(io, io.group().next(), target.withPort(restPort));
            rest.connect(concurrency).get();
            String path = "/apps/" + target.appId() + "/events";
            String prefix = "{\"name\":\"bench\",\"channel\":\"" + channel + "\",\"data\":\"";
            Trigger trigger = new Trigger(rest, new Trigger.Shape() {
                @Override
                public String path() {
                    return path;
                }

                @Override
                public int events() {
                    return 1;
                }

                @Override
                public long deliveriesPerEvent() {
                    return subscribers;
                }

                @Override
                public byte[] body(long dueNanos, long seq) {
                    return Trigger.utf8(prefix + Payload.data(dueNanos, seq, payload) + "\"}");
                }
            });
            fleet.onStamps((c, t, s) -> trigger.stamp(t, s));
            try {
                if (!sweep) {
                    if (warmup > 0) {
                        trigger.run(rate, warmup);
                    }
                    r.putAll(phase(trigger, fleet, rate, duration, drain, subscribers, target));
                } else {
                    sweep(o, trigger, fleet, rate, warmup, drain, subscribers, target, r);
                }
            } finally {
                rest.close();
            }
            r.put("disconnects", fleet.disconnects());
            r.put("console_viewers", viewers);
            if (console != null) {
                r.put("console_events_shown", console.shown());
                r.put("console_events_left_out", console.leftOut());
            }
            if (!fleet.errorSamples().isEmpty()) {
                r.put("error_samples", fleet.errorSamples());
            }
            return r;
        }
    }

    /** One measured phase at {@code rate} events/s. */
    static Map<String, Object> phase(
            Trigger trigger, Fleet fleet, double rate, double seconds, double drain, long fanout, Target target)
            throws InterruptedException {
        Proc.CpuMeter server = new Proc.CpuMeter(target.pid());
        Proc.CpuMeter client = new Proc.CpuMeter(Proc.self());
        long disconnectsBefore = fleet.disconnects();
        Trigger.Sent sent = trigger.run(rate, seconds);
        double serverCpu = server.cores();
        double clientCpu = client.cores();
        trigger.drain(drain);
        double serverSeconds = server.seconds();
        double clientSeconds = client.seconds();
        Meter m = trigger.current();
        Map<String, Object> r = new LinkedHashMap<>(sent.toMap(trigger.eventsPerRequest()));
        long expected = m.expected();
        long received = m.received();
        r.put("expected", expected);
        r.put("delivered", received);
        r.put("lost", Math.max(0, expected - received));
        r.put("delivered_per_s", received / seconds);
        r.putAll(m.percentiles());
        if (serverCpu >= 0) {
            r.put("server_cpu", serverCpu);
            // CPU time per delivered message: robust to a busy machine, unlike the rates.
            r.put("server_us_per_msg", received == 0 ? 0 : serverSeconds * 1e6 / received);
        }
        r.put("client_cpu", clientCpu);
        r.put("client_us_per_msg", received == 0 ? 0 : clientSeconds * 1e6 / received);
        r.put("phase_disconnects", fleet.disconnects() - disconnectsBefore);
        return r;
    }

    private static void sweep(
            Options o,
            Trigger trigger,
            Fleet fleet,
            double startRate,
            double warmup,
            double drain,
            long fanout,
            Target target,
            Map<String, Object> r)
            throws InterruptedException {
        double step = o.seconds("step", 5);
        int maxSteps = o.integer("max-steps", 14);
        double p99Limit = o.number("p99-limit-ms", 100);
        double precision = o.number("precision", 0.05);
        double minRate = o.number("min-rate", 1);
        if (warmup > 0) {
            trigger.run(startRate, warmup);
            trigger.drain(drain);
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        Map<String, Object> best = null;
        double lo = 0;
        double hi = Double.POSITIVE_INFINITY;
        double rate = startRate;
        for (int i = 0; i < maxSteps; i++) {
            Map<String, Object> p = phase(trigger, fleet, rate, step, drain, fanout, target);
            boolean ok = ((Number) p.get("lost")).longValue() == 0
                    && ((Number) p.get("api_errors")).longValue() == 0
                    && ((Number) p.get("unsent_events")).longValue() == 0
                    && ((Number) p.get("phase_disconnects")).longValue() == 0
                    && ((Number) p.get("p99_ms")).doubleValue() < p99Limit;
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rate", rate);
            s.put("delivered_per_s", p.get("delivered_per_s"));
            s.put("p99_ms", p.get("p99_ms"));
            s.put("lost", p.get("lost"));
            s.put("server_cpu", p.get("server_cpu"));
            s.put("server_us_per_msg", p.get("server_us_per_msg"));
            s.put("ok", ok);
            steps.add(s);
            System.err.println("sweep step " + Json.write(s));
            if (ok) {
                best = p;
                lo = rate;
            } else {
                hi = rate;
                if (((Number) p.get("phase_disconnects")).longValue() > 0) {
                    break; // subscribers were dropped: later steps would measure fewer
                }
                // Let the server's queues empty before the next, lower step.
                Thread.sleep(1000);
            }
            if (hi != Double.POSITIVE_INFINITY && (hi - lo) / hi < precision) {
                break;
            }
            rate = hi == Double.POSITIVE_INFINITY ? rate * 2 : (lo + hi) / 2;
            if (rate < minRate) {
                break; // nothing passes even at a trickle
            }
        }
        r.put("p99_limit_ms", p99Limit);
        r.put("step_seconds", step);
        if (best != null) {
            r.put("max_events_per_s", best.get("offered_events_per_s"));
            r.put("max_delivered_per_s", best.get("delivered_per_s"));
            r.put("p50_ms", best.get("p50_ms"));
            r.put("p99_ms", best.get("p99_ms"));
            r.put("p999_ms", best.get("p999_ms"));
            r.put("server_cpu", best.get("server_cpu"));
            r.put("server_us_per_msg", best.get("server_us_per_msg"));
            r.put("client_cpu", best.get("client_cpu"));
        } else {
            r.put("max_events_per_s", 0);
            r.put("max_delivered_per_s", 0);
        }
        r.put("steps", steps);
    }
}
