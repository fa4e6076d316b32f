package io.switchboard.broker;

/**
 * How much of a history channel's past the broker keeps (from the app's history rule and limits).
 *
 * @param maxEvents the last events kept per channel
 * @param maxAgeMs nothing older is kept or read
 * @param maxAppBytes what all of the app's channels may hold together (memory broker only)
 */
public record Retention(int maxEvents, long maxAgeMs, long maxAppBytes) {}
