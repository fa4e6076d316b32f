package io.switchboard.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders result lines as Markdown tables: one table per scenario, one column per target, and a
 * ratio column of each other target to the baseline (Soketi).
 */
public final class Table {
    private static final Set<String> SKIP = Set.of("at", "client_io", "steps", "error_samples");

    private Table() {}

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(List<String> lines) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("{")) {
                out.add((Map<String, Object>) Json.parse(t));
            }
        }
        return out;
    }

    public static String render(List<Map<String, Object>> results, String baseline) {
        Map<String, List<Map<String, Object>>> byScenario = new LinkedHashMap<>();
        for (Map<String, Object> r : results) {
            byScenario
                    .computeIfAbsent(String.valueOf(r.get("scenario")), k -> new ArrayList<>())
                    .add(r);
        }
        StringBuilder sb = new StringBuilder();
        for (var e : byScenario.entrySet()) {
            List<Map<String, Object>> rs = e.getValue();
            Map<String, Object> base = null;
            for (Map<String, Object> r : rs) {
                if (baseline.equals(r.get("target"))) {
                    base = r;
                }
            }
            sb.append("\n### ").append(e.getKey()).append("\n\n| metric |");
            for (Map<String, Object> r : rs) {
                sb.append(' ').append(r.get("target")).append(" |");
            }
            List<Map<String, Object>> others = new ArrayList<>();
            for (Map<String, Object> r : rs) {
                if (r != base && base != null) {
                    others.add(r);
                    sb.append(' ')
                            .append(r.get("target"))
                            .append('/')
                            .append(baseline)
                            .append(" |");
                }
            }
            sb.append("\n|---|");
            sb.append("---:|".repeat(rs.size() + others.size()));
            sb.append('\n');
            Set<String> keys = new LinkedHashSet<>();
            for (Map<String, Object> r : rs) {
                keys.addAll(r.keySet());
            }
            keys.removeAll(SKIP);
            keys.remove("scenario");
            keys.remove("target");
            for (String k : keys) {
                sb.append("| ").append(k).append(" |");
                for (Map<String, Object> r : rs) {
                    sb.append(' ').append(format(r.get(k))).append(" |");
                }
                for (Map<String, Object> r : others) {
                    sb.append(' ').append(ratio(r.get(k), base.get(k))).append(" |");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String format(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return String.format(Locale.ROOT, "%,d", d.longValue());
            }
            return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%.2f", d);
        }
        return String.valueOf(v);
    }

    private static String ratio(Object a, Object b) {
        if (a instanceof Double x && b instanceof Double y && y != 0) {
            return String.format(Locale.ROOT, "%.2fx", x / y);
        }
        return "";
    }
}
