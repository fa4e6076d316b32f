package io.switchboard.transport;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The line framing of pusher-js's HTTP transports (pusher-protocol.md §9.4): {@code o} opens,
 * {@code a[...]} carries messages each serialised as a JSON string, {@code h} is a heartbeat and
 * {@code c[code,"reason"]} closes. Every frame ends with a newline.
 */
final class FallbackFrames {
    static final byte[] OPEN = bytes("o\n");
    static final byte[] HEARTBEAT = bytes("h\n");

    /** 2048 {@code h} and a newline: the SockJS prelude that makes old proxies start streaming. */
    static final byte[] PRELUDE;

    static {
        byte[] p = new byte[2049];
        java.util.Arrays.fill(p, (byte) 'h');
        p[2048] = '\n';
        PRELUDE = p;
    }

    private FallbackFrames() {}

    /** {@code a[...]}: each message (JSON text) becomes one JSON string element. */
    static byte[] messages(List<byte[]> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * messages.size() + 4);
        out.write('a');
        out.write('[');
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write('"');
            out.writeBytes(encoder.quoteAsUTF8(new String(messages.get(i), StandardCharsets.UTF_8)));
            out.write('"');
        }
        out.write(']');
        out.write('\n');
        return out.toByteArray();
    }

    static byte[] close(int code, String reason) {
        String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(reason));
        return bytes("c[" + code + ",\"" + quoted + "\"]\n");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
