package io.switchboard.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options: {@code --name value} pairs and {@code --flag} switches after the scenario
 * name. Every scenario reads what it needs with a default; unknown names are reported.
 */
public final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Boolean> read = new LinkedHashMap<>();

    public static Options parse(List<String> args) {
        Options o = new Options();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --name, got '" + a + "'");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                o.values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                o.values.put(name, args.get(++i));
            } else {
                o.values.put(name, "true");
            }
        }
        return o;
    }

    /** Sets a value (tests and scenario defaults). */
    public Options set(String name, Object value) {
        values.put(name, String.valueOf(value));
        return this;
    }

    public String string(String name, String dflt) {
        read.put(name, true);
        return values.getOrDefault(name, dflt);
    }

    public int integer(String name, int dflt) {
        String v = string(name, null);
        return v == null ? dflt : Integer.parseInt(v.replace("_", ""));
    }

    public double number(String name, double dflt) {
        String v = string(name, null);
        return v == null ? dflt : Double.parseDouble(v.replace("_", ""));
    }

    /** A duration in seconds; accepts {@code 10}, {@code 10s}, {@code 500ms}, {@code 5m}, {@code 1h}. */
    public double seconds(String name, double dflt) {
        String v = string(name, null);
        return v == null ? dflt : parseSeconds(v);
    }

    static double parseSeconds(String v) {
        if (v.endsWith("ms")) {
            return Double.parseDouble(v.substring(0, v.length() - 2)) / 1000.0;
        }
        if (v.endsWith("s")) {
            return Double.parseDouble(v.substring(0, v.length() - 1));
        }
        if (v.endsWith("m")) {
            return Double.parseDouble(v.substring(0, v.length() - 1)) * 60;
        }
        if (v.endsWith("h")) {
            return Double.parseDouble(v.substring(0, v.length() - 1)) * 3600;
        }
        return Double.parseDouble(v);
    }

    public boolean flag(String name) {
        String v = string(name, "false");
        return v.equals("true") || v.equals("1") || v.equals("yes");
    }

    /** Options given but never read by the scenario: most likely typos. */
    public List<String> unused() {
        List<String> out = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!read.containsKey(k)) {
                out.add(k);
            }
        }
        return out;
    }
}
