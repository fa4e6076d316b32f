package io.switchboard.protocol;

/** A frame that cannot be understood; the message is safe to send to the client. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message, null, false, false);
    }
}
