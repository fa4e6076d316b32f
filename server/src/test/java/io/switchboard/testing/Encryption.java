package io.switchboard.testing;

import com.pusher.rest.Pusher;
import com.pusher.rest.crypto.CryptoUtil;
import com.pusher.rest.data.EncryptedMessage;
import io.switchboard.app.App;
import java.util.Map;

/**
 * End-to-end encryption as the application's server does it, with pusher-http-java holding the
 * master key. The Switchboard server never sees the key.
 */
public final class Encryption {
    /** 32 bytes 0x00..0x1f, the key of the spec's shared-secret test vector (§4.3). */
    public static final String MASTER_KEY_BASE64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private Encryption() {}

    /** pusher-http-java with the master key: it encrypts triggers and adds shared_secret to auth. */
    public static Pusher rest(TestServer server, App app) {
        Pusher rest = new Pusher(app.id(), app.key(), app.secret(), MASTER_KEY_BASE64);
        rest.setHost("127.0.0.1:" + server.port());
        rest.setEncrypted(false);
        return rest;
    }

    /** Auth for the Java client whose channel auth comes from the encrypting SDK. */
    public static TestAuth auth(TestServer server, App app, String userId) {
        return new TestAuth(rest(server, app), app, userId, Map.of("name", "user " + userId), null);
    }

    /** Opens an encrypted event's data with the channel's shared secret. */
    public static String decrypt(String channel, String nonce, String ciphertext) {
        return new CryptoUtil(MASTER_KEY_BASE64).decrypt(channel, new EncryptedMessage(nonce, ciphertext));
    }
}
