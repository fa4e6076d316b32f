package io.switchboard.broker;

/**
 * An event on its way to every subscriber of a channel, on every node.
 *
 * @param frame the complete frame as JSON text, encoded once by the publisher; never modified. It
 *     never holds the serial: that is added once per event where the fan-out buffer is built
 * @param excludeSocketId the connection that must not receive it, or {@code null}
 * @param serial the event's place in its channel's history, given by the broker; 0 for none
 * @param history how the channel keeps its events, when it does: the broker then gives the event a
 *     serial and stores it in the same step as it publishes it; {@code null} for none
 */
public record Envelope(byte[] frame, String excludeSocketId, long serial, Retention history) {

    /** An event of a channel without history. */
    public Envelope(byte[] frame, String excludeSocketId) {
        this(frame, excludeSocketId, 0, null);
    }

    /** This event as delivered after the broker gave it {@code serial}. */
    public Envelope withSerial(long serial) {
        return new Envelope(frame, excludeSocketId, serial, null);
    }
}
