package io.switchboard.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Client messages built from fuzz input, for the fuzz tests that send them over a transport. */
final class FuzzedClientMessages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CHANNELS = {"news", "private-x", "presence-room", "cache-news", "#server-to-user-1"};

    private FuzzedClientMessages() {}

    /** A message a client could send: one of {@code events}, with fuzzed channel and fields. */
    static String message(FuzzedDataProvider data, String[] events) {
        ObjectNode frame = JSON.createObjectNode().put("event", data.pickValue(events));
        if (data.consumeBoolean()) {
            frame.put("channel", channel(data));
        }
        ObjectNode inner = frame.putObject("data");
        inner.put("channel", channel(data));
        if (data.consumeBoolean()) {
            inner.put("auth", data.consumeString(80));
        }
        if (data.consumeBoolean()) {
            inner.put("channel_data", data.consumeString(80));
        }
        if (data.consumeBoolean()) {
            inner.put("user_data", data.consumeString(80));
        }
        return frame.toString();
    }

    private static String channel(FuzzedDataProvider data) {
        return data.consumeBoolean() ? data.pickValue(CHANNELS) : data.consumeString(24);
    }
}
