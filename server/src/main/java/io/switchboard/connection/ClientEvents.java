package io.switchboard.connection;

import io.switchboard.channel.Subscription;
import io.switchboard.metrics.Limit;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ClientMessage;
import io.switchboard.protocol.ClientText;
import io.switchboard.protocol.ErrorCodes;
import io.switchboard.protocol.ServerFrames;

/**
 * A client event from a connection (pusher-protocol.md §6): allowed by the app, on a private or
 * presence channel the connection is subscribed to, within the name and payload limits and the
 * connection's rate ({@code client_events_per_second}, a token bucket made at its first client
 * event), then published to the channel's other subscribers.
 */
final class ClientEvents {
    private ClientEvents() {}

    static void handle(PusherConnection c, ClientMessage.ClientEvent e) {
        if (!c.app.clientEvents()) {
            c.error("To send client events, you must enable this feature in the Settings page of your" + " dashboard.");
            return;
        }
        if (e.event().length() > c.app.limits().maxEventNameLength()) {
            c.rejected(Limit.MAX_EVENT_NAME_LENGTH);
            c.error("Event name is longer than " + c.app.limits().maxEventNameLength() + " characters");
            return;
        }
        ChannelType type = ChannelType.of(e.channel());
        if (!type.allowsClientEvents()) {
            c.error("Client event rejected: client events are only allowed on private and presence"
                    + " channels (not on "
                    + ClientText.quote(e.channel())
                    + ")");
            return;
        }
        Subscription sub = c.subscriptions.get(e.channel());
        if (sub == null || !sub.active()) {
            c.error("Client event rejected: not subscribed to channel " + ClientText.quote(e.channel()));
            return;
        }
        if (c.clientEvents == null) {
            c.clientEvents = new TokenBucket(c.app.limits().clientEventsPerSecond());
        }
        if (!c.clientEvents.take(System.nanoTime())) {
            c.rejected(Limit.CLIENT_EVENTS_PER_SECOND);
            String message = "Client event rejected due to rate limit ("
                    + c.app.limits().clientEventsPerSecond() + " per second)";
            c.transport.send(ServerFrames.error(ErrorCodes.CLIENT_EVENT_RATE_LIMIT, message));
            c.ctx.debug().connectionError(c.app.id(), c.socketId, ErrorCodes.CLIENT_EVENT_RATE_LIMIT, message);
            return;
        }
        String data = e.data();
        if (data != null && utf8Length(data) > c.app.limits().maxPayloadBytes()) {
            c.rejected(Limit.MAX_PAYLOAD_BYTES);
            c.error("Client event data is larger than " + c.app.limits().maxPayloadBytes() + " bytes");
            return;
        }
        String senderUserId = type.presence() ? sub.presenceUserId() : null;
        byte[] frame = ServerFrames.clientEvent(e.event(), e.channel(), data, senderUserId);
        c.ctx.channels()
                .publishClientEvent(sub.channel(), frame, c.socketId, e.event(), e.dataAsString(), senderUserId);
        c.ctx.debug().clientEvent(c.app.id(), e.channel(), e.event(), data, c.socketId, senderUserId);
    }

    /** The UTF-8 size of {@code s}, without encoding it. */
    static int utf8Length(String s) {
        int n = s.length();
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
