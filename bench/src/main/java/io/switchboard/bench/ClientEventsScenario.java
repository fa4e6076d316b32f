package io.switchboard.bench;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code client-events}: pairs of connections on {@code private-bench-<i>} (auth signed here) send
 * each other client events at {@code --rate} events/s per connection; each event must reach the
 * other member of the pair.
 */
public final class ClientEventsScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        int pairs = o.integer("pairs", 500);
        double perConnection = o.number("rate", 5);
        int payload = o.integer("payload", 100);
        double warmup = o.seconds("warmup", 2);
        double duration = o.seconds("duration", 10);
        double drain = o.seconds("drain", 5);
        try (Io io = new Io(o.integer("threads", 1));
                Fleet fleet = new Fleet(io, target)) {
            Map<String, Object> r = Scenario.header("client-events", target, io);
            r.put("pairs", pairs);
            r.put("rate_per_connection", perConnection);
            r.put("payload_bytes", payload);
            fleet.open(
                    pairs * 2,
                    i -> "private-bench-" + (i / 2),
                    o.integer("parallel", 200),
                    o.seconds("connect-timeout", 120));
            Scenario.requireAll(fleet, pairs * 2, "connections");
            List<WsConn> conns = fleet.ready();
            Sender sender = new Sender(io.group().next(), conns.toArray(WsConn[]::new), payload);
            fleet.onStamps((c, t, s) -> sender.meter.stamp(t, s));
            if (warmup > 0) {
                sender.run(perConnection * conns.size(), warmup);
            }
            long errorsBefore = fleet.errors();
            Proc.CpuMeter server = new Proc.CpuMeter(target.pid());
            Proc.CpuMeter client = new Proc.CpuMeter(Proc.self());
            long sent = sender.run(perConnection * conns.size(), duration);
            double serverCpu = server.cores();
            double clientCpu = client.cores();
            Meter m = sender.meter;
            Trigger.drain(m, drain);
            double serverSeconds = server.seconds();
            r.put("offered_events_per_s", perConnection * conns.size());
            r.put("sent_events", sent);
            r.put("expected", m.expected());
            r.put("delivered", m.received());
            r.put("lost", Math.max(0, m.expected() - m.received()));
            r.put("delivered_per_s", m.received() / duration);
            r.put("rejected", fleet.errors() - errorsBefore);
            r.putAll(m.percentiles());
            if (serverCpu >= 0) {
                r.put("server_cpu", serverCpu);
                r.put("server_us_per_msg", m.received() == 0 ? 0 : serverSeconds * 1e6 / m.received());
            }
            r.put("client_cpu", clientCpu);
            r.put("disconnects", fleet.disconnects());
            if (!fleet.errorSamples().isEmpty()) {
                r.put("error_samples", fleet.errorSamples());
            }
            return r;
        }
    }

    /** Sends client events round-robin over the connections at a fixed total rate. */
    private static final class Sender {
        private final EventLoop loop;
        private final WsConn[] conns;
        private final int payload;
        volatile Meter meter = new Meter(Long.MAX_VALUE);
        private long nextSeq;
        private int next;

        Sender(EventLoop loop, WsConn[] conns, int payload) {
            this.loop = loop;
            this.conns = conns;
            this.payload = payload;
        }

        /** Returns the number of events sent. */
        long run(double rate, double seconds) throws Exception {
            CompletableFuture<Long> done = new CompletableFuture<>();
            loop.execute(() -> {
                Meter m = new Meter(nextSeq);
                meter = m;
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long[] sent = {0};
                ScheduledFuture<?>[] ticker = new ScheduledFuture<?>[1];
                ticker[0] = loop.scheduleAtFixedRate(
                        () -> {
                            long now = System.nanoTime();
                            while (true) {
                                // Event k is due at start + k / rate.
                                long dueNanos = start + (long) (sent[0] * 1e9 / rate);
                                if (dueNanos > now || dueNanos >= end) {
                                    break;
                                }
                                WsConn c = conns[next];
                                next = (next + 1) % conns.length;
                                long seq = nextSeq++;
                                sent[0]++;
                                m.expect(1);
                                c.send(
                                        Trigger.utf8("{\"event\":\"client-bench\",\"channel\":\"" + c.channelName
                                                + "\",\"data\":\"" + Payload.data(dueNanos, seq, payload) + "\"}"),
                                        true);
                            }
                            if (now >= end) {
                                ticker[0].cancel(false);
                                m.end(nextSeq);
                                done.complete(sent[0]);
                            }
                        },
                        0,
                        1,
                        TimeUnit.MILLISECONDS);
            });
            return done.get((long) (seconds * 1000) + 30_000, TimeUnit.MILLISECONDS);
        }
    }
}
