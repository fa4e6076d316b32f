package io.switchboard.protocol;

/** A frame that cannot be understood; the message is safe to send to the client. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int code;

    public ProtocolException(String message) {
        this(message, 0);
    }

    /** @param code the Pusher error code sent with the message; 0 for none */
    public ProtocolException(String message, int code) {
        super(message, null, false, false);
        this.code = code;
    }

    /** The Pusher error code of the {@code pusher:error} answer; 0 for none. */
    public int code() {
        return code;
    }
}
