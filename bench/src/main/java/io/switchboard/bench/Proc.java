package io.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Readings of a process from {@code /proc}: resident memory, CPU time, descriptors, threads. */
public final class Proc {
    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private Proc() {}

    /** VmRSS of {@code pid} in KiB, or -1 when unknown. */
    public static long rssKb(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * The lowest VmRSS of {@code pid} over {@code seconds}, sampled every 200 ms: leaves out
     * transient memory such as a JIT compilation's arena or a collection in progress. -1 when unknown.
     */
    public static long settledRssKb(long pid, double seconds) throws InterruptedException {
        long min = rssKb(pid);
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (min > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            long now = rssKb(pid);
            if (now > 0 && now < min) {
                min = now;
            }
        }
        return min;
    }

    /** Open file descriptors of {@code pid} (entries of {@code /proc/PID/fd}), or -1 when unknown. */
    public static long openFds(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try (var entries = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return entries.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Threads of {@code pid} ({@code Threads:} of {@code /proc/PID/status}), or -1 when unknown. */
    public static long threads(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Threads:")) {
                    return Long.parseLong(line.substring(8).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Seconds the threads of {@code pid} have spent runnable but waiting for a CPU (the second
     * field of {@code /proc/PID/task/TID/schedstat}, summed over the threads alive now), or -1 when
     * unknown. On a shared machine this shows when a process was starved rather than slow.
     */
    public static double runDelaySeconds(long pid) {
        if (pid <= 0) {
            return -1;
        }
        long nanos = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String[] f =
                            Files.readString(task.resolve("schedstat")).trim().split(" ");
                    nanos += Long.parseLong(f[1]);
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return nanos / 1e9;
    }

    /** User plus system CPU seconds used so far by {@code pid} (all threads), or -1. */
    public static double cpuSeconds(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(0) ... utime(11) stime(12)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public static long self() {
        return ProcessHandle.current().pid();
    }

    /** CPU used by a process over an interval, in cores (1.0 = one core busy). */
    public static final class CpuMeter {
        private final long pid;
        private final double startCpu;
        private final long startNanos;

        public CpuMeter(long pid) {
            this.pid = pid;
            this.startCpu = cpuSeconds(pid);
            this.startNanos = System.nanoTime();
        }

        /** CPU seconds used since creation, or -1 when unknown. */
        public double seconds() {
            double now = cpuSeconds(pid);
            return now < 0 || startCpu < 0 ? -1 : now - startCpu;
        }

        /** Cores used since creation, or -1 when unknown. */
        public double cores() {
            double now = cpuSeconds(pid);
            if (now < 0 || startCpu < 0) {
                return -1;
            }
            double wall = (System.nanoTime() - startNanos) / 1e9;
            return wall <= 0 ? -1 : (now - startCpu) / wall;
        }
    }
}
