package io.switchboard.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The server's half of the RFC 6455 opening handshake (§4.2.2): a {@code 101 Switching Protocols}
 * answer written as bytes, so it leaves in the same write as the connection's first frame instead
 * of going through the HTTP encoder on its own.
 */
final class WebSocketHandshake {
    /** RFC 6455 §1.3: appended to the client's key before hashing. */
    private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] HEAD = ("HTTP/1.1 101 Switching Protocols\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: ")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXTENSIONS = "\r\nSec-WebSocket-Extensions: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-1");
        }
    };

    private WebSocketHandshake() {}

    /** {@code Sec-WebSocket-Accept} for the client's {@code Sec-WebSocket-Key}. */
    static String accept(String key) {
        MessageDigest sha1 = SHA1.get();
        sha1.update(key.trim().getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(sha1.digest(GUID));
    }

    /** The whole {@code 101} answer, with the negotiated extensions when there are any. */
    static ByteBuf response(ByteBufAllocator alloc, String key, String extensions) {
        byte[] accept = accept(key).getBytes(StandardCharsets.US_ASCII);
        byte[] ext = extensions == null ? null : extensions.getBytes(StandardCharsets.US_ASCII);
        int size = HEAD.length + accept.length + END.length + (ext == null ? 0 : EXTENSIONS.length + ext.length);
        ByteBuf out = alloc.buffer(size).writeBytes(HEAD).writeBytes(accept);
        if (ext != null) {
            out.writeBytes(EXTENSIONS).writeBytes(ext);
        }
        return out.writeBytes(END);
    }
}
