package io.switchboard.bench.soak;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The soak's rows: written to the CSV as they are taken (so a long run can be followed, and
 * survives being stopped), then summed up as a table of figures against their goals.
 */
final class SoakReport implements AutoCloseable {
    private final Path csv;
    private final BufferedWriter out;
    private final List<Map<String, Object>> rows = new ArrayList<>();

    SoakReport(Path csv) throws IOException {
        this.csv = csv;
        Files.createDirectories(csv.toAbsolutePath().getParent());
        this.out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
    }

    Path csv() {
        return csv;
    }

    List<Map<String, Object>> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** Appends a row; the first row's keys are the CSV's columns. */
    void add(Map<String, Object> row) throws IOException {
        if (rows.isEmpty()) {
            out.write(String.join(",", row.keySet()));
            out.newLine();
        }
        rows.add(row);
        List<String> cells = new ArrayList<>();
        for (String column : rows.get(0).keySet()) {
            cells.add(cell(row.get(column)));
        }
        out.write(String.join(",", cells));
        out.newLine();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The rows of a soak CSV: numbers as doubles, empty cells as null. */
    static List<Map<String, Object>> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<Map<String, Object>> out = new ArrayList<>();
        if (lines.isEmpty()) {
            return out;
        }
        String[] columns = lines.get(0).split(",", -1);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.length; i++) {
                String c = i < cells.length ? cells[i] : "";
                Object v;
                try {
                    v = c.isEmpty() ? null : (Object) Double.parseDouble(c);
                } catch (NumberFormatException e) {
                    v = c;
                }
                row.put(columns[i], v);
            }
            out.add(row);
        }
        return out;
    }

    private static String cell(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return "";
            }
            return d == Math.rint(d) && Math.abs(d) < 1e15
                    ? String.valueOf(d.longValue())
                    : String.format(Locale.ROOT, "%.2f", d);
        }
        return String.valueOf(v);
    }

    // --- summary ----------------------------------------------------------------------------------

    /** A column's readings under load (the rows of phase {@code load}). */
    List<Double> series(String column) {
        return series(rows, column);
    }

    static List<Double> series(List<Map<String, Object>> rows, String column) {
        List<Double> out = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            double v = SoakPlot.number(row.get(column));
            if ("load".equals(row.get("phase")) && !Double.isNaN(v) && v >= 0) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * first, last, max and change per hour (least-squares slope over the minutes) of {@code column}
     * under load.
     */
    Map<String, Object> trend(String column) {
        List<Double> minutes = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            double v = SoakPlot.number(row.get(column));
            if ("load".equals(row.get("phase")) && !Double.isNaN(v) && v >= 0) {
                minutes.add(SoakPlot.number(row.get("minute")));
                values.add(v);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (values.isEmpty()) {
            return m;
        }
        m.put("first", values.get(0));
        m.put("last", values.get(values.size() - 1));
        m.put("max", Collections.max(values));
        m.put("per_hour", slope(minutes, values) * 60);
        return m;
    }

    static double slope(List<Double> x, List<Double> y) {
        int n = x.size();
        if (n < 2) {
            return 0;
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x.get(i);
            my += y.get(i);
        }
        mx /= n;
        my /= n;
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (x.get(i) - mx) * (y.get(i) - my);
            den += (x.get(i) - mx) * (x.get(i) - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The summary as a Markdown table: figure, value, goal. */
    static String table(String title, List<String[]> lines) {
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(title).append("\n\n| figure | value | goal |\n|---|---:|---|\n");
        for (String[] l : lines) {
            sb.append("| ")
                    .append(l[0])
                    .append(" | ")
                    .append(l[1])
                    .append(" | ")
                    .append(l.length > 2 ? l[2] : "")
                    .append(" |\n");
        }
        return sb.toString();
    }

    static String fmt(Object v) {
        if (v instanceof Double d) {
            if (d.isNaN()) {
                return "n/a";
            }
            return Math.abs(d) >= 100 || d == Math.rint(d)
                    ? String.format(Locale.ROOT, "%,.0f", d)
                    : String.format(Locale.ROOT, "%.2f", d);
        }
        if (v instanceof Long || v instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
        }
        return v == null ? "n/a" : String.valueOf(v);
    }
}
