package io.switchboard.bench;

import java.util.Map;

/**
 * {@code channels}: N connections, each on its own channel; events spread over the channels in
 * {@code POST /apps/{id}/batch_events} calls of {@code --batch} (10) events each.
 */
public final class ChannelsScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        int n = o.integer("connections", 1000);
        int batch = o.integer("batch", 10);
        int payload = o.integer("payload", 100);
        double rate = o.number("rate", 5000); // events/s
        double warmup = o.seconds("warmup", 2);
        double duration = o.seconds("duration", 10);
        double drain = o.seconds("drain", 5);
        int concurrency = o.integer("concurrency", 8);
        try (Io io = new Io(o.integer("threads", 1));
                Fleet fleet = new Fleet(io, target)) {
            Map<String, Object> r = Scenario.header("channels", target, io);
            r.put("connections", n);
            r.put("batch", batch);
            r.put("payload_bytes", payload);
            fleet.open(n, i -> "bench-ch-" + i, o.integer("parallel", 200), o.seconds("connect-timeout", 120));
            Scenario.requireAll(fleet, n, "connections");
            RestClient rest = new RestClient(io, io.group().next(), target);
            rest.connect(concurrency).get();
            String path = "/apps/" + target.appId() + "/batch_events";
            Trigger trigger = new Trigger(rest, new Trigger.Shape() {
                @Override
                public String path() {
                    return path;
                }

                @Override
                public int events() {
                    return batch;
                }

                @Override
                public long deliveriesPerEvent() {
                    return 1;
                }

                @Override
                public byte[] body(long dueNanos, long seq) {
                    StringBuilder sb = new StringBuilder(batch * (payload + 60) + 16);
                    sb.append("{\"batch\":[");
                    for (int j = 0; j < batch; j++) {
                        if (j > 0) {
                            sb.append(',');
                        }
                        sb.append("{\"name\":\"bench\",\"channel\":\"bench-ch-")
                                .append((seq + j) % n)
                                .append("\",\"data\":\"")
                                .append(Payload.data(dueNanos, seq + j, payload))
                                .append("\"}");
                    }
                    return Trigger.utf8(sb.append("]}").toString());
                }
            });
            fleet.onStamps((c, t, s) -> trigger.stamp(t, s));
            try {
                if (warmup > 0) {
                    trigger.run(rate / batch, warmup);
                }
                Map<String, Object> p = FanoutScenario.phase(trigger, fleet, rate / batch, duration, drain, 1, target);
                r.putAll(p);
            } finally {
                rest.close();
            }
            r.put("disconnects", fleet.disconnects());
            if (!fleet.errorSamples().isEmpty()) {
                r.put("error_samples", fleet.errorSamples());
            }
            return r;
        }
    }
}
