package io.switchboard.config;

/**
 * Bounds of channel history across apps (the {@code broker.history} section).
 *
 * @param maxMemoryBytes what every app's channel histories may hold together in the memory broker;
 *     over it the oldest events of any app are dropped first. The Redis broker keeps history in Redis,
 *     bounded per channel by the rules (Redis's own {@code maxmemory} bounds the rest)
 */
public record HistorySettings(long maxMemoryBytes) {
    public static final HistorySettings DEFAULTS = new HistorySettings(256L << 20);
}
