package io.switchboard.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pusher signatures: REST request signing (pusher-protocol.md §7.1) and private-channel auth.
 * Not thread-safe: one per thread or connection.
 */
public final class Signer {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;
    private final MessageDigest md5;

    public Signer(String secret) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            md5 = MessageDigest.getInstance("MD5");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String hmacHex(String text) {
        return hex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    public String md5Hex(byte[] body) {
        return hex(md5.digest(body));
    }

    /** {@code auth} for subscribing {@code socketId} to a private channel: {@code key:hex}. */
    public String channelAuth(String key, String socketId, String channel) {
        return key + ":" + hmacHex(socketId + ":" + channel);
    }

    /**
     * The query string of a signed REST request: {@code auth_key}, {@code auth_timestamp}, {@code
     * auth_version}, {@code body_md5} and {@code auth_signature}.
     */
    public String signedQuery(String method, String path, String key, long timestamp, byte[] body) {
        String params =
                "auth_key=" + key + "&auth_timestamp=" + timestamp + "&auth_version=1.0&body_md5=" + md5Hex(body);
        return params + "&auth_signature=" + hmacHex(method + "\n" + path + "\n" + params);
    }

    static String hex(byte[] bytes) {
        byte[] out = new byte[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[bytes[i] & 0xF];
        }
        return new String(out, StandardCharsets.US_ASCII);
    }
}
