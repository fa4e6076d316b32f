package io.switchboard.webhook;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * One event in a webhook body (pusher-protocol.md §8). Fields that do not apply to the event are
 * {@code null}.
 *
 * @param data a client event's data, always as a string
 */
record WebhookEvent(
        String name,
        String channel,
        String userId,
        String event,
        String data,
        String socketId,
        Long subscriptionCount) {

    static WebhookEvent channel(String name, String channel) {
        return new WebhookEvent(name, channel, null, null, null, null, null);
    }

    static WebhookEvent member(String name, String channel, String userId) {
        return new WebhookEvent(name, channel, userId, null, null, null, null);
    }

    void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("channel", channel);
        if (event != null) {
            g.writeStringField("event", event);
        }
        if (data != null) {
            g.writeStringField("data", data);
        }
        if (socketId != null) {
            g.writeStringField("socket_id", socketId);
        }
        if (userId != null) {
            g.writeStringField("user_id", userId);
        }
        if (subscriptionCount != null) {
            g.writeNumberField("subscription_count", subscriptionCount);
        }
        g.writeEndObject();
    }
}
