package io.switchboard.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 and MD5 as the Pusher protocol uses them (pusher-protocol.md §4, §7.1, §8). */
public final class Signatures {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /*
     * One instance of each per thread: looking an algorithm up through the security providers costs
     * more than the hashing of a REST request (bench/RESULTS.md, REST).
     */
    private static final ThreadLocal<KeyedMac> HMAC_SHA256 = ThreadLocal.withInitial(KeyedMac::new);
    private static final ThreadLocal<MessageDigest> MD5 =
            ThreadLocal.withInitial(() -> algorithm(() -> MessageDigest.getInstance("MD5")));

    private interface Lookup<T> {
        T get() throws GeneralSecurityException;
    }

    private static <T> T algorithm(Lookup<T> lookup) {
        try {
            return lookup.get();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a JDK algorithm is unavailable", e);
        }
    }

    private Signatures() {}

    /** Lowercase hex HMAC-SHA256 of {@code message} keyed with {@code secret}. */
    public static String hmacSha256Hex(String secret, String message) {
        return hmacSha256Hex(secret, message.getBytes(StandardCharsets.UTF_8));
    }

    public static String hmacSha256Hex(String secret, byte[] message) {
        return hex(HMAC_SHA256.get().keyedWith(secret).doFinal(message));
    }

    /**
     * A thread's HMAC-SHA256, still keyed with the secret it last used: {@code doFinal} leaves a
     * {@link Mac} ready for the next message under the same key, and most signatures a thread
     * checks are one app's.
     */
    private static final class KeyedMac {
        private final Mac mac = algorithm(() -> Mac.getInstance("HmacSHA256"));
        private String secret;

        Mac keyedWith(String secret) {
            if (!secret.equals(this.secret)) {
                this.secret = null; // stays unset if init fails
                try {
                    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("HmacSHA256 is unavailable", e);
                }
                this.secret = secret;
            }
            return mac;
        }
    }

    /** Lowercase hex MD5 of {@code body}. */
    public static String md5Hex(byte[] body) {
        return hex(MD5.get().digest(body));
    }

    /** Compares two strings in time that depends only on their lengths. */
    public static boolean constantTimeEquals(String expected, String actual) {
        if (expected == null || actual == null) {
            return false;
        }
        return MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Checks a client auth string of the form {@code key:hexsignature} against {@code stringToSign}.
     */
    public static boolean verifyAuth(String key, String secret, String stringToSign, String auth) {
        if (auth == null) {
            return false;
        }
        int colon = auth.indexOf(':');
        if (colon < 0) {
            return false;
        }
        boolean keyMatches = constantTimeEquals(key, auth.substring(0, colon));
        boolean signatureMatches = constantTimeEquals(hmacSha256Hex(secret, stringToSign), auth.substring(colon + 1));
        return keyMatches & signatureMatches;
    }

    /**
     * Like {@link #verifyAuth(String, String, String, String)}, accepting a signature made with any
     * of {@code secrets} (during a secret rotation's overlap). Every secret is tried, so the time
     * taken does not tell which one matched.
     */
    public static boolean verifyAuth(String key, List<String> secrets, String stringToSign, String auth) {
        boolean any = false;
        for (String secret : secrets) {
            any |= verifyAuth(key, secret, stringToSign, auth);
        }
        return any;
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[i * 2] = HEX[(bytes[i] >> 4) & 0xf];
            out[i * 2 + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }
}
