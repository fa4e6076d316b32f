package io.switchboard.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code compression}: what permessage-deflate costs and saves. For each of {@code --payloads}
 * (100, 2000, 20000 bytes of JSON-like event data) it runs the fan-out twice, with {@code
 * --subscribers} (200) that do not offer compression and then with as many that do (as browsers
 * do), at {@code --rate} (50) events/s for {@code --duration} (10 s) after {@code --warmup} (2 s),
 * and reports for each run the bytes on the wire and the server CPU per delivered message. The
 * server's app must have {@code websocket_compression} on ({@code run.sh compression} sets it);
 * {@code deflate_negotiated} shows whether it had.
 */
public final class CompressionScenario implements Scenario {
    @Override
    public Map<String, Object> run(Options o) throws Exception {
        Target target = Target.from(o);
        int subscribers = o.integer("subscribers", 200);
        double rate = o.number("rate", 50);
        double warmup = o.seconds("warmup", 2);
        double duration = o.seconds("duration", 10);
        double drain = o.seconds("drain", 5);
        int concurrency = o.integer("concurrency", 4);
        List<Integer> payloads = new ArrayList<>();
        for (String p : o.string("payloads", "100,2000,20000").split(",")) {
            payloads.add(Integer.parseInt(p.trim()));
        }
        try (Io io = new Io(o.integer("threads", 1))) {
            Map<String, Object> r = Scenario.header("compression", target, io);
            r.put("subscribers", subscribers);
            r.put("events_per_s", rate);
            List<Map<String, Object>> runs = new ArrayList<>();
            for (int payload : payloads) {
                for (boolean deflate : new boolean[] {false, true}) {
                    Map<String, Object> run = measure(
                            o, io, target, payload, deflate, subscribers, rate, warmup, duration, drain, concurrency);
                    System.err.println("compression " + Json.write(run));
                    runs.add(run);
                }
            }
            r.put("runs", runs);
            return r;
        }
    }

    private static Map<String, Object> measure(
            Options o,
            Io io,
            Target target,
            int payload,
            boolean deflate,
            int subscribers,
            double rate,
            double warmup,
            double duration,
            double drain,
            int concurrency)
            throws Exception {
        String channel = "bench-compression-" + payload + (deflate ? "-deflate" : "-plain");
        try (Fleet fleet = new Fleet(io, target)) {
            fleet.offerDeflate(deflate);
            fleet.open(subscribers, i -> channel, o.integer("parallel", 200), o.seconds("connect-timeout", 120));
            Scenario.requireAll(fleet, subscribers, "subscribers");
            RestClient rest = new RestClient(io, io.group().next(), target);
            rest.connect(concurrency).get();
            String path = "/apps/" + target.appId() + "/events";
            String prefix = "{\"name\":\"bench\",\"channel\":\"" + channel + "\",\"data\":\"";
            // The stamp (~nanos~seq~) takes about 30 of the payload's bytes.
            String filler = filler(Math.max(0, payload - 30));
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
                    return Trigger.utf8(prefix + Payload.data(dueNanos, seq, 0) + filler + "\"}");
                }
            });
            fleet.onStamps((c, t, s) -> trigger.stamp(t, s));
            try {
                if (warmup > 0) {
                    trigger.run(rate, warmup);
                    trigger.drain(drain);
                }
                long bytesBefore = fleet.wireBytes();
                Map<String, Object> phase =
                        FanoutScenario.phase(trigger, fleet, rate, duration, drain, subscribers, target);
                long delivered = ((Number) phase.get("delivered")).longValue();
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("payload_bytes", payload);
                run.put("offered_deflate", deflate);
                run.put("deflate_negotiated", fleet.deflateNegotiated());
                run.put("delivered", delivered);
                run.put("lost", phase.get("lost"));
                run.put(
                        "wire_bytes_per_msg",
                        delivered == 0 ? 0 : (double) (fleet.wireBytes() - bytesBefore) / delivered);
                run.put("server_us_per_msg", phase.get("server_us_per_msg"));
                run.put("server_cpu", phase.get("server_cpu"));
                run.put("p50_ms", phase.get("p50_ms"));
                run.put("p99_ms", phase.get("p99_ms"));
                return run;
            } finally {
                rest.close();
            }
        }
    }

    /**
     * {@code size} characters of event data shaped like a JSON array of records (as a JSON string:
     * quotes escaped), with pseudo-random values, so it compresses about as real event data does
     * rather than as a run of one letter would. No {@code ~}: the stamp's delimiter.
     */
    static String filler(int size) {
        Random random = new Random(size);
        String[] status = {"open", "filled", "cancelled", "pending"};
        StringBuilder s = new StringBuilder(size + 128).append('[');
        for (int i = 0; s.length() < size; i++) {
            s.append(i == 0 ? "" : ",")
                    .append("{\\\"id\\\":")
                    .append(100_000 + random.nextInt(900_000))
                    .append(",\\\"symbol\\\":\\\"")
                    .append((char) ('A' + random.nextInt(26)))
                    .append((char) ('A' + random.nextInt(26)))
                    .append((char) ('A' + random.nextInt(26)))
                    .append("\\\",\\\"price\\\":")
                    .append(random.nextInt(100_000) / 100.0)
                    .append(",\\\"qty\\\":")
                    .append(random.nextInt(1_000))
                    .append(",\\\"status\\\":\\\"")
                    .append(status[random.nextInt(status.length)])
                    .append("\\\"}");
        }
        // Never end inside an escape.
        String out = s.substring(0, size);
        while (out.endsWith("\\")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }
}
