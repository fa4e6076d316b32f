package io.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Open-file limits ({@code Max open files} of {@code /proc/PID/limits}) and how many connections
 * fit under them. Every connection takes one descriptor on each side, so a count above either
 * process's limit would end in refused or failed connections that say nothing about the server.
 */
public final class FdLimits {
    /** Descriptors kept free on each side for listeners, REST connections, jars and log files. */
    public static final int SPARE = 200;

    private FdLimits() {}

    /** A process's descriptor limit; the soft one is in force (a JVM or Node raises it to the hard one). */
    public record Limit(long soft, long hard) {}

    /**
     * What {@link #budget} decided.
     *
     * @param asked the connections asked for
     * @param used the connections to open: {@code asked}, or fewer when that would not fit
     * @param limit the soft limit of {@code side}, the one that bounds the count, or -1 when no
     *     limit could be read
     * @param hard the hard limit of {@code side}, or -1
     * @param side whose limit: {@code load generator}, {@code server}, {@code load generator and
     *     server} (the same), the load generator when it is also the server, or {@code unknown}
     * @param spare descriptors kept free on each side
     */
    public record Budget(int asked, int used, long limit, long hard, String side, int spare) {
        public boolean clamped() {
            return used < asked;
        }

        /** The line printed on stderr when the count was clamped. */
        public String message() {
            return "connect: " + asked + " connections would exceed the open-file limit of the " + side + " (soft "
                    + limit + ", hard " + hard + ", " + spare + " kept spare); opening " + used;
        }
    }

    /**
     * How many of {@code asked} connections fit, {@code alreadyOpen} other connections being open
     * on both sides and {@code spare} descriptors kept free on each. When the load generator is the
     * server ({@code sameProcess}, as in the smoke test) a connection takes two descriptors of one
     * process and {@code server} is not read. A null limit is unknown and bounds nothing.
     */
    public static Budget budget(int asked, int alreadyOpen, int spare, Limit self, Limit server, boolean sameProcess) {
        int perConnection = sameProcess ? 2 : 1;
        long selfFit = self == null ? Long.MAX_VALUE : (self.soft() - spare) / perConnection - alreadyOpen;
        long serverFit = server == null || sameProcess ? Long.MAX_VALUE : server.soft() - spare - alreadyOpen;
        int used = (int) Math.max(0, Math.min(asked, Math.min(selfFit, serverFit)));
        boolean serverKnown = server != null && !sameProcess;
        if (self == null && !serverKnown) {
            return new Budget(asked, used, -1, -1, "unknown", spare);
        }
        if (self != null && (!serverKnown || selfFit < serverFit)) {
            String name =
                    sameProcess ? "load generator (also the server: two descriptors a connection)" : "load generator";
            return new Budget(asked, used, self.soft(), self.hard(), name, spare);
        }
        if (self == null || serverFit < selfFit) {
            return new Budget(asked, used, server.soft(), server.hard(), "server", spare);
        }
        return new Budget(
                asked, used, self.soft(), Math.min(self.hard(), server.hard()), "load generator and server", spare);
    }

    /** The limit of process {@code pid}, or null when its {@code /proc/PID/limits} cannot be read. */
    public static Limit of(long pid) {
        if (pid <= 0) {
            return null;
        }
        try {
            return parse(Files.readString(Path.of("/proc/" + pid + "/limits")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The {@code Max open files} line of a {@code /proc/PID/limits} text, or null without one. */
    static Limit parse(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return new Limit(number(f[0]), number(f[1]));
            }
        }
        return null;
    }

    private static long number(String s) {
        return s.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(s);
    }
}
