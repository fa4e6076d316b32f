package io.switchboard.protocol;

/** A frame a client sends, decoded (pusher-protocol.md §2.1). */
public sealed interface ClientMessage {

    record Ping() implements ClientMessage {}

    record Pong() implements ClientMessage {}

    /**
     * @param auth {@code null} when absent (public channels from the Java client)
     * @param channelData the raw string as received, never re-serialised; {@code null} when absent
     * @param resumeAfter the last serial the client saw on a history channel ({@code resume_after}),
     *     or -1 when absent
     */
    record Subscribe(String channel, String auth, String channelData, long resumeAfter) implements ClientMessage {
        public Subscribe(String channel, String auth, String channelData) {
            this(channel, auth, channelData, -1);
        }
    }

    record Unsubscribe(String channel) implements ClientMessage {}

    /** @param userData the raw string as received, never re-serialised */
    record Signin(String auth, String userData) implements ClientMessage {}

    /**
     * A {@code client-} event.
     *
     * @param data the event's {@code data} value as compact JSON text (object, string, ...); {@code
     *     null} when the frame had none
     */
    record ClientEvent(String event, String channel, String data) implements ClientMessage {

        /** The data as a string: a JSON string's value, or the JSON text of anything else. */
        public String dataAsString() {
            if (data == null) {
                return "{}";
            }
            if (data.startsWith("\"")) {
                try (var p = new com.fasterxml.jackson.core.JsonFactory().createParser(data)) {
                    p.nextToken();
                    return p.getText();
                } catch (java.io.IOException e) {
                    return data;
                }
            }
            return data;
        }
    }

    /** Any other event name; answered with a non-fatal error. */
    record Unsupported(String event) implements ClientMessage {}
}
