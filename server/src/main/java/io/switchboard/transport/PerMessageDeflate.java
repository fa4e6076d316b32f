package io.switchboard.transport;

import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import java.util.Map;

/**
 * Negotiates permessage-deflate (RFC 7692 §7.1) on a WebSocket upgrade. The server always answers
 * with {@code server_no_context_takeover}, so every message it sends is compressed on its own and
 * one compressed event can go to every subscriber ({@link WebSocketFraming}); and with {@code
 * client_no_context_takeover} (which a server may always ask for, §7.1.1.2), so the client's
 * messages are also independent and are inflated with one inflater per event loop ({@link
 * MessageInflater}): no compression state is kept per connection.
 */
final class PerMessageDeflate {
    static final String NAME = "permessage-deflate";
    /** The only window the JDK's deflater uses. */
    private static final String MAX_WINDOW_BITS = "15";

    private PerMessageDeflate() {}

    /**
     * The {@code Sec-WebSocket-Extensions} answer accepting the first offer the server can honour,
     * or {@code null} when there is none (or no header): the connection is then uncompressed.
     */
    static String accept(String offers) {
        if (offers == null || offers.isEmpty()) {
            return null;
        }
        try {
            for (WebSocketExtensionData offer : WebSocketExtensionUtil.extractExtensions(offers)) {
                if (NAME.equalsIgnoreCase(offer.name())) {
                    String answer = answer(offer.parameters());
                    if (answer != null) {
                        return answer;
                    }
                }
            }
        } catch (RuntimeException malformed) {
            return null;
        }
        return null;
    }

    /** The answer to one offer, or {@code null} when a parameter of it cannot be honoured. */
    private static String answer(Map<String, String> parameters) {
        boolean fixedWindow = false;
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            switch (p.getKey().toLowerCase(java.util.Locale.ROOT)) {
                case "server_no_context_takeover", "client_no_context_takeover" -> {
                    if (p.getValue() != null) {
                        return null;
                    }
                }
                // A hint that the client could use a smaller window if asked; it is not asked.
                case "client_max_window_bits" -> {}
                case "server_max_window_bits" -> {
                    if (!MAX_WINDOW_BITS.equals(p.getValue())) {
                        return null; // a smaller window than the JDK's deflater can be told to use
                    }
                    fixedWindow = true;
                }
                default -> {
                    return null;
                }
            }
        }
        return NAME + "; server_no_context_takeover; client_no_context_takeover"
                + (fixedWindow ? "; server_max_window_bits=" + MAX_WINDOW_BITS : "");
    }
}
