package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.Bystanders;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** permessage-deflate (RFC 7692) on WebSockets, for apps that turn on {@code websocket_compression}. */
class WebSocketCompressionTest {
    /** What Chromium offers. */
    private static final String BROWSER_OFFER = "permessage-deflate; client_max_window_bits";

    private final App app = TestApps.withLimits(TestApps.withWebSocketCompression(TestApps.app("a")), l -> {
        l.maxPayloadBytes = 64 * 1024;
        return l;
    });
    private final App plain = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(app, plain);

    private final Bystanders bystanders = new Bystanders(server, app, plain);

    @AfterEach
    void stop() {
        bystanders.close();
    }

    @Test
    void anOfferIsAcceptedWithoutContextTakeoverEitherWay() {
        try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
            assertThat(ws.status()).isEqualTo(101);
            assertThat(ws.responseHeader("Sec-WebSocket-Extensions"))
                    .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
            ws.established();
        }
    }

    @Test
    void compressedAndPlainSubscribersOfOneChannelGetEveryEvent() {
        try (RawWebSocket compressed = offering(app, BROWSER_OFFER);
                RawWebSocket uncompressed = server.raw(app)) {
            compressed.established();
            uncompressed.established();
            compressed.subscribe("news");
            uncompressed.subscribe("news");
            List<Integer> sizes = List.of(100, 2_000, 20_000, 10, 2_000);
            for (int i = 0; i < sizes.size(); i++) {
                Rest.trigger(server.rest(app), "news", "e" + i, Map.of("text", json(sizes.get(i))));
            }

            for (int i = 0; i < sizes.size(); i++) {
                RawWebSocket.Frame sent = textFrame(uncompressed);
                RawWebSocket.Frame got = textFrame(compressed);
                assertThat(sent.compressed()).isFalse();
                assertThat(new String(got.inflated(), StandardCharsets.UTF_8))
                        .as("event %d inflates to the exact JSON the uncompressed subscriber got", i)
                        .isEqualTo(sent.text());
                if (sent.payload().length >= WebSocketFraming.MIN_DEFLATE_BYTES) {
                    assertThat(got.compressed()).as("event %d compressed", i).isTrue();
                    assertThat(got.payload().length).isLessThan(sent.payload().length / 2);
                } else {
                    assertThat(got.compressed())
                            .as("event %d below the threshold", i)
                            .isFalse();
                    assertThat(got.payload()).isEqualTo(sent.payload());
                }
            }
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void framesSentToOneConnectionAreCompressedToo() {
        try (RawWebSocket uncompressed = server.raw(app)) {
            uncompressed.established();
            uncompressed.subscribe("cache-news");
            uncompressed.awaitEvent("pusher:cache_miss");
            Rest.trigger(server.rest(app), "cache-news", "latest", Map.of("text", json(2_000)));
            RawWebSocket.Frame sent = textFrame(uncompressed);

            try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
                ws.established();
                ws.sendText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"cache-news\"}}");
                ws.awaitEvent("pusher_internal:subscription_succeeded");
                // The cached event, written to this connection alone (not fanned out).
                RawWebSocket.Frame cached = textFrame(ws);
                assertThat(cached.compressed()).isTrue();
                assertThat(new String(cached.inflated(), StandardCharsets.UTF_8))
                        .isEqualTo(sent.text());
            }
        }
    }

    @Test
    void compressedClientMessagesAreInflated() {
        try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
            ws.established();
            ws.sendCompressedText("{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"\",\"channel\":\"news\"}}");
            ws.awaitEvent("pusher_internal:subscription_succeeded");
            // Independent messages: the same text compressed again from an empty window.
            ws.sendCompressedText("{\"event\":\"pusher:ping\",\"data\":{}}");
            ws.awaitEvent("pusher:pong");
            ws.sendCompressedText("{\"event\":\"pusher:ping\",\"data\":{}}");
            ws.awaitEvent("pusher:pong");
            Rest.trigger(server.rest(app), "news", "after", Map.of("text", json(1_000)));
            assertThat(ws.awaitEvent("after")).isNotNull();
        }
    }

    @Test
    void aCompressedMessageSentInFragmentsIsInflatedWhole() {
        try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
            ws.established();
            byte[] deflated = RawWebSocket.deflate("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            int cut = deflated.length / 2;
            // RSV1 on the first frame only (RFC 7692 §6.1).
            ws.sendFrameWithRsv1(RawWebSocket.TEXT, Arrays.copyOfRange(deflated, 0, cut), false);
            ws.sendFrame(0, Arrays.copyOfRange(deflated, cut, deflated.length), true);

            assertThat(ws.awaitEvent("pusher_internal:subscription_succeeded")
                            .path("channel")
                            .asText())
                    .isEqualTo("news");
        }
    }

    @Test
    void rsv1OnAControlFrameIsAProtocolError() {
        try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
            ws.established();
            ws.sendFrameWithRsv1(RawWebSocket.PING, new byte[] {1, 2}, true);

            assertThat(ws.awaitClose().closeCode()).isEqualTo(1002);
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void rsv1OnAContinuationFrameIsAProtocolError() {
        try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
            ws.established();
            ws.sendFrame(RawWebSocket.TEXT, "{\"event\":".getBytes(StandardCharsets.UTF_8), false);
            ws.sendFrameWithRsv1(0, "\"pusher:ping\",\"data\":{}}".getBytes(StandardCharsets.UTF_8), true);

            assertThat(ws.awaitClose().closeCode()).isEqualTo(1002);
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void aMessageInflatingPastMaxFrameBytesClosesWith1009() {
        try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
            ws.established();
            // 16 MiB of spaces inside a ping compress to ~16 KiB: under the 64 KiB frame limit.
            byte[] bomb = ("{\"event\":\"pusher:ping\",\"data\":\"" + " ".repeat(16 << 20) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] deflated = RawWebSocket.deflate(bomb);
            assertThat(deflated.length).isLessThan(64 * 1024);
            ws.sendCompressed(deflated);

            assertThat(ws.awaitClose().closeCode()).isEqualTo(1009);
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void corruptCompressedDataClosesWith1007() {
        try (RawWebSocket ws = offering(app, BROWSER_OFFER)) {
            ws.established();
            ws.sendCompressed(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});

            assertThat(ws.awaitClose().closeCode()).isEqualTo(1007);
        }
        bystanders.stillReceiveEvents();
    }

    @Test
    void rsv1WithoutNegotiationIsAProtocolError() {
        try (RawWebSocket ws = server.raw(app)) {
            ws.established();
            ws.sendCompressedText("{\"event\":\"pusher:ping\",\"data\":{}}");

            assertThat(ws.awaitClose().closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void anAppWithCompressionOffNegotiatesNothing() {
        try (RawWebSocket ws = offering(plain, BROWSER_OFFER)) {
            assertThat(ws.responseHeader("Sec-WebSocket-Extensions")).isNull();
            ws.established();
            ws.subscribe("news");
            Rest.trigger(server.rest(plain), "news", "big", Map.of("text", json(2_000)));
            RawWebSocket.Frame frame = textFrame(ws);
            assertThat(frame.compressed()).isFalse();
            assertThat(parse(frame.payload()).path("event").asText()).isEqualTo("big");
        }
    }

    @Test
    void offersTheServerCannotHonourAreDeclined() {
        for (String offer : List.of(
                "permessage-deflate; server_max_window_bits=10",
                "permessage-deflate; unknown_parameter",
                "x-webkit-deflate-frame")) {
            try (RawWebSocket ws = offering(app, offer)) {
                assertThat(ws.responseHeader("Sec-WebSocket-Extensions"))
                        .as(offer)
                        .isNull();
                ws.established();
            }
        }
        try (RawWebSocket ws = offering(app, "permessage-deflate; server_max_window_bits=10, permessage-deflate")) {
            assertThat(ws.responseHeader("Sec-WebSocket-Extensions"))
                    .as("the first acceptable offer")
                    .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
        }
    }

    private RawWebSocket offering(App target, String offer) {
        return RawWebSocket.connectOffering(server.port(), "/app/" + target.key() + "?protocol=7", offer);
    }

    /** The next text frame, answering pings. */
    private static RawWebSocket.Frame textFrame(RawWebSocket ws) {
        while (true) {
            RawWebSocket.Frame f = ws.nextFrame();
            if (f.opcode() == RawWebSocket.PING) {
                ws.sendFrame(RawWebSocket.PONG, f.payload(), true);
                continue;
            }
            assertThat(f.opcode()).as("frame: %s", f.text()).isEqualTo(RawWebSocket.TEXT);
            return f;
        }
    }

    private static JsonNode parse(byte[] json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + new String(json, StandardCharsets.UTF_8), e);
        }
    }

    /** About {@code bytes} of JSON-like text, repetitive as real event data is. */
    private static String json(int bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; s.length() < bytes; i++) {
            s.append("{\"id\":")
                    .append(i)
                    .append(",\"status\":\"ok\",\"price\":")
                    .append(i * 7 % 101)
                    .append('}');
        }
        return s.substring(0, bytes);
    }
}
