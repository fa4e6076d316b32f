package io.switchboard.core;

/**
 * A distinct user on a presence channel.
 *
 * @param userInfo the member's {@code user_info} as raw JSON text, or {@code null}
 */
public record Member(String userId, String userInfo) {}
