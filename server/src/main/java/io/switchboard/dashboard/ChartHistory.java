package io.switchboard.dashboard;

import java.util.HashMap;
import java.util.Map;

/**
 * The dashboard's charts: per app (and {@link #TOTAL} for the whole cluster) a point every time
 * {@link #add} is called (every 2 s while anyone watches) of connections, delivered and published
 * per second, {@link #POINTS} points kept. An app that stops being reported gets zeros, and is
 * forgotten once all its points are zero. Safe from any thread.
 */
final class ChartHistory {
    static final int POINTS = 180;
    static final String TOTAL = "";

    private final Map<String, Series> series = new HashMap<>();

    /** One app's points in a ring. */
    private static final class Series {
        final long[] times = new long[POINTS];
        final double[] connections = new double[POINTS];
        final double[] delivered = new double[POINTS];
        final double[] published = new double[POINTS];
        int start;
        int size;

        void add(long time, double c, double d, double p) {
            int i = (start + size) % POINTS;
            if (size == POINTS) {
                start = (start + 1) % POINTS;
            } else {
                size++;
            }
            times[i] = time;
            connections[i] = c;
            delivered[i] = d;
            published[i] = p;
        }

        boolean allZero() {
            for (int k = 0; k < size; k++) {
                int i = (start + k) % POINTS;
                if (connections[i] != 0 || delivered[i] != 0 || published[i] != 0) {
                    return false;
                }
            }
            return true;
        }

        double[][] columns(int last) {
            int n = Math.min(last, size);
            double[][] out = new double[4][n];
            for (int k = 0; k < n; k++) {
                int i = (start + size - n + k) % POINTS;
                out[0][k] = times[i];
                out[1][k] = connections[i];
                out[2][k] = delivered[i];
                out[3][k] = published[i];
            }
            return out;
        }
    }

    /** Adds a point at {@code time} (epoch seconds) for every app and for the total. */
    synchronized void add(long time, Map<String, ClusterView.Merged> merged) {
        double c = 0;
        double d = 0;
        double p = 0;
        for (var e : merged.entrySet()) {
            ClusterView.Merged m = e.getValue();
            series.computeIfAbsent(e.getKey(), k -> new Series())
                    .add(time, m.connections(), m.deliveredPerSecond(), m.publishedPerSecond());
            c += m.connections();
            d += m.deliveredPerSecond();
            p += m.publishedPerSecond();
        }
        for (var e : series.entrySet()) {
            if (!e.getKey().equals(TOTAL) && !merged.containsKey(e.getKey())) {
                e.getValue().add(time, 0, 0, 0);
            }
        }
        series.entrySet()
                .removeIf(e -> !e.getKey().equals(TOTAL) && e.getValue().allZero());
        series.computeIfAbsent(TOTAL, k -> new Series()).add(time, c, d, p);
    }

    /**
     * The last {@code points} points of an app (or {@link #TOTAL}) as {@code [times, connections,
     * delivered, published]}, oldest first; empty arrays when there are none.
     */
    synchronized double[][] columns(String appId, int points) {
        Series s = series.get(appId);
        return s == null ? new double[4][0] : s.columns(points);
    }
}
