package io.switchboard.config;

import java.util.Map;

/**
 * Logging (the {@code logging:} section).
 *
 * @param level level of every logger not named in {@code levels}
 * @param levels per-area levels, e.g. {@code switchboard.connection: debug}
 * @param format {@code text} or {@code json} (one JSON object per line)
 */
public record LoggingSettings(String level, Map<String, String> levels, String format) {
    public static final LoggingSettings DEFAULTS = new LoggingSettings("info", Map.of(), "text");

    public LoggingSettings {
        levels = Map.copyOf(levels);
    }
}
