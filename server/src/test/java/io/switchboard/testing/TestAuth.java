package io.switchboard.testing;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.UserAuthenticator;
import com.pusher.rest.data.PresenceUser;
import io.switchboard.app.App;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Plays the application's auth endpoints for the Java client: channel auth comes from the
 * official server SDK ({@code Pusher.authenticate}), sign-in is signed as the SDKs do.
 */
public final class TestAuth {
    private final com.pusher.rest.Pusher rest;
    private final App app;
    private final String userId;
    private final Map<String, Object> userInfo;
    private final String userData;

    /**
     * @param userId the presence user and signed-in user id
     * @param userData the sign-in {@code user_data} JSON, or {@code null} for {@code {"id":userId}}
     */
    public TestAuth(
            com.pusher.rest.Pusher rest, App app, String userId, Map<String, Object> userInfo, String userData) {
        this.rest = rest;
        this.app = app;
        this.userId = userId;
        this.userInfo = userInfo;
        this.userData = userData == null ? "{\"id\":\"" + userId + "\"}" : userData;
    }

    public static TestAuth of(TestServer server, App app, String userId) {
        return new TestAuth(server.rest(app), app, userId, Map.of("name", "user " + userId), null);
    }

    public ChannelAuthorizer channels() {
        return (channel, socketId) -> channel.startsWith("presence-")
                ? rest.authenticate(socketId, channel, new PresenceUser(userId, userInfo))
                : rest.authenticate(socketId, channel);
    }

    public UserAuthenticator users() {
        return socketId -> "{\"auth\":\"" + app.key() + ":" + hmac(app.secret(), socketId + "::user::" + userData)
                + "\",\"user_data\":" + quote(userData) + "}";
    }

    public static String hmac(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
