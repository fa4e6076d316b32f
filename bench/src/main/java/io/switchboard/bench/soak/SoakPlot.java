package io.switchboard.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The soak's figures over time as one SVG, written without any library: one panel per figure
 * (resident memory, heap after GC, delivery p99, open descriptors, lost deliveries and webhooks),
 * minutes since the load started on the x axis (the readings before it and after the end are
 * plotted too), and a dashed goal line in each panel: flat at the first reading under load for
 * memory and descriptors, flat at the median under load for p99, zero for losses.
 */
final class SoakPlot {
    private static final int WIDTH = 960;
    private static final int PANEL = 170;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 64;
    private static final int GAP = 40;

    /** One panel: what it shows, from which column(s), and where its goal line lies. */
    private record Panel(String title, String unit, List<String> columns, Goal goal) {}

    private enum Goal {
        FLAT_AT_START,
        FLAT_AT_MEDIAN,
        ZERO
    }

    private SoakPlot() {}

    static String svg(String title, List<Map<String, Object>> rows) {
        List<Panel> panels = List.of(
                new Panel("Server resident memory (RSS)", "MB", List.of("rss_mb"), Goal.FLAT_AT_START),
                new Panel("Heap used after a full GC", "MB", List.of("heap_after_gc_mb"), Goal.FLAT_AT_START),
                new Panel("Delivery latency p99 (per interval)", "ms", List.of("p99_ms"), Goal.FLAT_AT_MEDIAN),
                new Panel("Server open file descriptors", "", List.of("fds"), Goal.FLAT_AT_START),
                new Panel(
                        "Lost so far: deliveries (blue), webhooks (red)",
                        "",
                        List.of("lost_total", "webhooks_lost"),
                        Goal.ZERO));
        int height = TOP + panels.size() * (PANEL + GAP) + 10;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"11\">\n",
                WIDTH,
                height,
                WIDTH,
                height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
                LEFT,
                escape(title)));
        double minMinute = 0;
        double maxMinute = 0;
        double loadEnd = 0;
        for (Map<String, Object> r : rows) {
            double m = number(r.get("minute"));
            minMinute = Math.min(minMinute, m);
            maxMinute = Math.max(maxMinute, m);
            if ("load".equals(r.get("phase"))) {
                loadEnd = Math.max(loadEnd, m);
            }
        }
        Axis x = new Axis(minMinute, Math.max(maxMinute, minMinute + 1e-9), loadEnd);
        int y = TOP;
        for (Panel p : panels) {
            panel(sb, p, rows, y, x);
            y += PANEL + GAP;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** The minutes shown, mapped onto the plot's width; {@code loadEnd}: the last row under load. */
    private record Axis(double from, double to, double loadEnd) {
        double px(double minute) {
            return LEFT + (WIDTH - LEFT - RIGHT) * (minute - from) / (to - from);
        }
    }

    private static void panel(StringBuilder sb, Panel p, List<Map<String, Object>> rows, int top, Axis x) {
        int plotW = WIDTH - LEFT - RIGHT;
        int bottom = top + PANEL;
        List<double[]> series = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (String column : p.columns()) {
            List<double[]> points = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                double v = number(r.get(column));
                if (!Double.isNaN(v) && v >= 0) {
                    points.add(new double[] {number(r.get("minute")), v});
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            double[] flat = new double[points.size() * 2];
            for (int i = 0; i < points.size(); i++) {
                flat[2 * i] = points.get(i)[0];
                flat[2 * i + 1] = points.get(i)[1];
            }
            series.add(flat);
        }
        double goal = goal(p, rows);
        if (!Double.isNaN(goal)) {
            lo = Math.min(lo, goal);
            hi = Math.max(hi, goal);
        }
        if (lo == Double.POSITIVE_INFINITY) {
            lo = 0;
            hi = 1;
        }
        lo = Math.min(lo, 0);
        hi = hi <= lo ? lo + 1 : hi + (hi - lo) * 0.1;
        double yStep = step(hi - lo, 4);
        double yLo = Math.floor(lo / yStep) * yStep;
        double yHi = Math.ceil(hi / yStep) * yStep;
        sb.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>\n",
                LEFT,
                top - 8,
                escape(p.title() + (p.unit().isEmpty() ? "" : " (" + p.unit() + ")"))));
        sb.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
                LEFT,
                top,
                plotW,
                PANEL));
        for (double v = yLo; v <= yHi + yStep / 2; v += yStep) {
            double py = bottom - PANEL * (v - yLo) / (yHi - yLo);
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    LEFT,
                    py,
                    LEFT + plotW,
                    py,
                    LEFT - 6,
                    py + 4,
                    label(v)));
        }
        double xStep = step(x.to() - x.from(), 8);
        for (double m = Math.ceil(x.from() / xStep) * xStep; m <= x.to() + 1e-9; m += xStep) {
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s min</text>\n",
                    x.px(m),
                    bottom + 14,
                    label(Math.abs(m) < 1e-9 ? 0 : m)));
        }
        // where the load starts and stops
        for (double m : List.of(0.0, x.loadEnd())) {
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#bbb\" stroke-dasharray=\"2,3\"/>\n",
                    x.px(m),
                    top,
                    x.px(m),
                    bottom));
        }
        if (!Double.isNaN(goal)) {
            double gy = bottom - PANEL * (goal - yLo) / (yHi - yLo);
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#2a2\" stroke-dasharray=\"6,4\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" fill=\"#2a2\" text-anchor=\"end\">goal</text>\n",
                    LEFT,
                    gy,
                    LEFT + plotW,
                    gy,
                    LEFT + plotW - 4,
                    gy - 4));
        }
        String[] colours = {"#1f5fbf", "#c62828"};
        for (int s = 0; s < series.size(); s++) {
            double[] pts = series.get(s);
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < pts.length; i += 2) {
                double px = x.px(pts[i]);
                double py = bottom - PANEL * (pts[i + 1] - yLo) / (yHi - yLo);
                path.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"/>\n",
                    path.toString().trim(),
                    colours[s % colours.length]));
            for (int i = 0; i < pts.length; i += 2) {
                double px = x.px(pts[i]);
                double py = bottom - PANEL * (pts[i + 1] - yLo) / (yHi - yLo);
                sb.append(String.format(
                        Locale.ROOT,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>\n",
                        px,
                        py,
                        colours[s % colours.length]));
            }
        }
    }

    /** The goal line's value, from the rows under load; NaN when there is nothing to put it at. */
    private static double goal(Panel p, List<Map<String, Object>> rows) {
        List<Double> load = SoakReport.series(rows, p.columns().get(0));
        return switch (p.goal()) {
            case ZERO -> 0;
            case FLAT_AT_START -> load.isEmpty() ? Double.NaN : load.get(0);
            case FLAT_AT_MEDIAN -> SoakReport.median(load);
        };
    }

    /** A round step (1, 2, 2.5 or 5 times a power of ten) that cuts {@code range} into about {@code parts}. */
    static double step(double range, int parts) {
        double raw = range / parts;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double f : new double[] {1, 2, 2.5, 5, 10}) {
            if (f * magnitude >= raw) {
                return f * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e12) {
            return String.valueOf((long) v);
        }
        return Math.abs(v) >= 100
                ? String.format(Locale.ROOT, "%.0f", v)
                : new java.math.BigDecimal(String.format(Locale.ROOT, "%.2f", v))
                        .stripTrailingZeros()
                        .toPlainString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
