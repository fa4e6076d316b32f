package io.switchboard.connection;

import io.switchboard.core.Member;
import io.switchboard.metrics.Limit;
import io.switchboard.protocol.ClientMessage;
import io.switchboard.protocol.ClientText;
import io.switchboard.protocol.ProtocolException;
import io.switchboard.protocol.Signatures;
import io.switchboard.protocol.UserPayloads;

/**
 * Whether a connection may subscribe to a private, encrypted or presence channel: the signature of
 * {@code socket_id:channel[:channel_data]} (pusher-protocol.md §5) with any of the app's verifying
 * secrets, and the presence member's {@code channel_data} within the app's limits. Errors are
 * answered on the connection; its state is not changed.
 */
final class ChannelAuthorization {
    private ChannelAuthorization() {}

    /** The presence member a subscribe asks for, or {@code null} after answering the error. */
    static Member presenceMember(PusherConnection c, ClientMessage.Subscribe s) {
        String name = s.channel();
        if (s.channelData() == null) {
            // Signed-in users may subscribe with the sign-in identity instead of channel_data.
            if (c.userId == null) {
                c.subscriptionError(
                        name, "AuthError", "Presence subscription needs channel_data or a signed-in connection", 401);
                return null;
            }
            if (!signed(c, name, null, s.auth())) {
                return null;
            }
            return new Member(c.userId, c.userInfo);
        }
        if (!signed(c, name, s.channelData(), s.auth())) {
            return null;
        }
        UserPayloads.ChannelData data;
        try {
            data = UserPayloads.channelData(s.channelData());
        } catch (ProtocolException e) {
            c.subscriptionError(name, "InvalidChannelData", e.getMessage(), 400);
            return null;
        }
        if (data.userId().length() > c.app.limits().maxUserIdLength()) {
            c.rejected(Limit.MAX_USER_ID_LENGTH);
            c.subscriptionError(
                    name,
                    "InvalidChannelData",
                    "user_id is longer than " + c.app.limits().maxUserIdLength() + " characters",
                    400);
            return null;
        }
        if (data.userInfo() != null
                && ClientEvents.utf8Length(data.userInfo()) > c.app.limits().maxPresenceUserInfoBytes()) {
            c.rejected(Limit.MAX_PRESENCE_USER_INFO_BYTES);
            c.subscriptionError(
                    name,
                    "InvalidChannelData",
                    "user_info is larger than " + c.app.limits().maxPresenceUserInfoBytes() + " bytes",
                    400);
            return null;
        }
        return new Member(data.userId(), data.userInfo());
    }

    /**
     * Checks a subscription's signature of {@code socket_id:channel[:channel_data]}; answers the
     * errors when it is wrong. The channel name has passed validation, so it is short enough to
     * quote whole.
     */
    static boolean signed(PusherConnection c, String channel, String channelData, String auth) {
        String signed = c.socketId + ":" + channel;
        String stringToSign = channelData == null ? signed : signed + ":" + channelData;
        if (Signatures.verifyAuth(
                c.app.key(), c.app.verifyingSecrets(System.currentTimeMillis()), stringToSign, auth)) {
            return true;
        }
        String got = auth == null ? "" : auth.substring(auth.indexOf(':') + 1);
        String message = "Invalid signature: Expected HMAC SHA256 hex digest of "
                + (channelData == null ? signed : signed + ":" + ClientText.quote(channelData))
                + ", but got "
                + ClientText.quote(got);
        c.subscriptionError(channel, "AuthError", message, 401);
        return false;
    }
}
