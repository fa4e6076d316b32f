package io.switchboard.core;

/**
 * An event on its way to every subscriber of a channel, on every node.
 *
 * @param frame the complete frame as JSON text, encoded once by the publisher; never modified
 * @param excludeSocketId the connection that must not receive it, or {@code null}
 */
public record Envelope(byte[] frame, String excludeSocketId) {}
