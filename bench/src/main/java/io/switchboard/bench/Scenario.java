package io.switchboard.bench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** One benchmark: runs bounded in time and returns its one-line result. */
public interface Scenario {
    Map<String, Object> run(Options options) throws Exception;

    /** The fields every result starts with. */
    static Map<String, Object> header(String scenario, Target target, Io io) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("target", target.name());
        m.put("at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("client_io", io.name());
        return m;
    }

    /** Fails the run early with a clear message when the connections could not be opened. */
    static void requireAll(Fleet fleet, int wanted, String what) {
        if (fleet.subscribed() < wanted) {
            throw new IllegalStateException("only " + fleet.subscribed() + " of " + wanted + " " + what
                    + " subscribed; errors: " + fleet.errorSamples());
        }
    }

    /** A string of exactly {@code n} {@code x}s. */
    static String pad(int n) {
        return "x".repeat(Math.max(0, n));
    }
}
