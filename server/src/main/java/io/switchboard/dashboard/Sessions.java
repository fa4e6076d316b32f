package io.switchboard.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dashboard's logins on this node: at most {@link #MAX} at once (a new one ends the oldest),
 * each for {@code session_minutes}. A session id is 32 random bytes; the table is keyed by its
 * SHA-256, so neither a heap dump nor a lookup's timing gives one away. Sessions live in this
 * process: a login is per node, and ends when the node restarts.
 */
final class Sessions {
    static final int MAX = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final long lifetimeNanos;
    private final Map<String, Session> byHash = new LinkedHashMap<>();

    Sessions(long lifetimeNanos) {
        this.lifetimeNanos = lifetimeNanos;
    }

    /** A new session and the cookie value that names it. */
    record Created(String id, Session session) {}

    synchronized Created create() {
        long now = System.nanoTime();
        byHash.values().removeIf(s -> !s.valid(now));
        if (byHash.size() >= MAX) {
            Iterator<Session> oldest = byHash.values().iterator();
            oldest.next().end();
            oldest.remove();
        }
        String id = random();
        Session session = new Session(random(), now + lifetimeNanos);
        byHash.put(hash(id), session);
        return new Created(id, session);
    }

    /** The live session named by a cookie value, or {@code null}. */
    synchronized Session find(String id) {
        if (id == null || id.length() != 64) {
            return null;
        }
        String key = hash(id);
        Session s = byHash.get(key);
        if (s != null && !s.valid(System.nanoTime())) {
            byHash.remove(key);
            return null;
        }
        return s;
    }

    synchronized void end(String id) {
        if (id != null) {
            Session s = byHash.remove(hash(id));
            if (s != null) {
                s.end();
            }
        }
    }

    static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String hash(String id) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
