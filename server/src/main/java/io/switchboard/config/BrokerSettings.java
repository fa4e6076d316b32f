package io.switchboard.config;

/**
 * How the nodes of a cluster find each other (the {@code broker:} section).
 *
 * @param driver {@code memory} (one process, the default) or {@code redis} (several processes
 *     acting as one through Redis)
 * @param redis settings of the {@code redis} driver
 * @param history bounds of channel history across apps
 */
public record BrokerSettings(String driver, RedisSettings redis, HistorySettings history) {
    public static final BrokerSettings DEFAULTS =
            new BrokerSettings("memory", RedisSettings.DEFAULTS, HistorySettings.DEFAULTS);

    /** The {@code redis} driver on {@code redis}. */
    public static BrokerSettings redis(RedisSettings redis) {
        return new BrokerSettings("redis", redis, HistorySettings.DEFAULTS);
    }

    public boolean usesRedis() {
        return "redis".equals(driver);
    }
}
