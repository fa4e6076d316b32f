package io.switchboard.config;

/**
 * How the nodes of a cluster find each other (the {@code broker:} section).
 *
 * @param driver {@code memory} (one process, the default) or {@code redis} (several processes
 *     acting as one through Redis)
 * @param redis settings of the {@code redis} driver
 */
public record BrokerSettings(String driver, RedisSettings redis) {
    public static final BrokerSettings DEFAULTS = new BrokerSettings("memory", RedisSettings.DEFAULTS);

    /** The {@code redis} driver on {@code redis}. */
    public static BrokerSettings redis(RedisSettings redis) {
        return new BrokerSettings("redis", redis);
    }

    public boolean usesRedis() {
        return "redis".equals(driver);
    }
}
