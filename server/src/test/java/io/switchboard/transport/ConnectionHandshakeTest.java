package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectionHandshakeTest {
    private final App app = TestApps.app("a");
    private final App disabled = TestApps.disabled(TestApps.app("off"));

    @RegisterExtension
    final TestServer server = TestServer.start(app, disabled);

    @Test
    void sendsConnectionEstablishedFirstWithSocketIdAndActivityTimeout() {
        try (RawWebSocket ws = server.raw(app)) {
            assertThat(ws.status()).isEqualTo(101);
            JsonNode event = ws.nextEvent();
            assertThat(event.path("event").asText()).isEqualTo("pusher:connection_established");
            assertThat(event.get("data").isTextual())
                    .as("data is a JSON string")
                    .isTrue();
            JsonNode data = RawWebSocket.data(event);
            assertThat(data.path("socket_id").asText()).matches("\\d+\\.\\d+");
            assertThat(data.path("activity_timeout").asInt()).isEqualTo(120);
        }
    }

    @Test
    void acceptsProtocolsFourToSeven() {
        for (int protocol = 4; protocol <= 7; protocol++) {
            try (RawWebSocket ws = server.raw("/app/" + app.key() + "?protocol=" + protocol)) {
                assertThat(ws.established()).matches("\\d+\\.\\d+");
            }
        }
    }

    @Test
    void closesWith4007ForUnsupportedProtocol() {
        assertRefused("/app/" + app.key() + "?protocol=3", 4007);
        assertRefused("/app/" + app.key() + "?protocol=8", 4007);
        assertRefused("/app/" + app.key() + "?protocol=seven", 4007);
    }

    @Test
    void closesWith4008WithoutProtocol() {
        assertRefused("/app/" + app.key(), 4008);
    }

    @Test
    void closesWith4001ForUnknownKey() {
        assertRefused("/app/nope?protocol=7", 4001);
    }

    @Test
    void closesWith4003ForDisabledApp() {
        assertRefused("/app/" + disabled.key() + "?protocol=7", 4003);
    }

    @Test
    void socketIdsAreUnique() {
        try (RawWebSocket a = server.raw(app);
                RawWebSocket b = server.raw(app)) {
            assertThat(a.established()).isNotEqualTo(b.established());
        }
    }

    @Test
    void answersTheKeyAsRfc6455Computes() throws IOException {
        assertThat(WebSocketHandshake.accept("dGhlIHNhbXBsZSBub25jZQ=="))
                .as("RFC 6455 §1.3's example")
                .isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        String head = exchange(upgrade("13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), new byte[0]);
        assertThat(head).startsWith("HTTP/1.1 101 ");
        assertThat(head.toLowerCase(Locale.ROOT))
                .contains("upgrade: websocket\r\n")
                .contains("connection: upgrade\r\n")
                .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n")
                .doesNotContain("sec-websocket-extensions");
    }

    @Test
    void refusesOtherProtocolVersionsWith426NamingVersion13() throws IOException {
        for (String version : new String[] {"8", "0", "14"}) {
            String head = exchange(upgrade(version, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), new byte[0]);
            assertThat(head).as("version " + version).startsWith("HTTP/1.1 426 ");
            assertThat(head.toLowerCase(Locale.ROOT)).contains("sec-websocket-version: 13\r\n");
        }
        String none = exchange(upgrade(null, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), new byte[0]);
        assertThat(none).startsWith("HTTP/1.1 426 ");
    }

    @Test
    void refusesAnUpgradeWithoutAKeyWith400() throws IOException {
        assertThat(exchange(upgrade("13", ""), new byte[0])).startsWith("HTTP/1.1 400 ");
    }

    @Test
    void readsFramesSentTogetherWithTheUpgradeRequest() throws IOException {
        assertFramesSentWithTheRequestAreRead(server.port(), app);
    }

    @Test
    void readsFramesSentTogetherWithTheUpgradeRequestWhileRedisDecidesAdmission() throws IOException {
        // A connection quota makes admission ask Redis: the frames wait until it has answered.
        App quota = TestApps.withLimits(TestApps.app("q"), l -> {
            l.maxConnections = 10;
            return l;
        });
        try (TestRedis redis = TestRedis.standalone();
                TestServer node = TestServer.start(BrokerSettings.redis(redis.settings()), quota)) {
            assertFramesSentWithTheRequestAreRead(node.port(), quota);
        }
    }

    private static void assertFramesSentWithTheRequestAreRead(int port, App app) throws IOException {
        byte[] subscribe = maskedText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"early\"}}");
        byte[] ping = maskedText("{\"event\":\"pusher:ping\",\"data\":{}}");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(upgrade(app, "13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            all.write(subscribe);
            all.write(ping, 0, 3); // the rest of this frame comes in a later read
            out.write(all.toByteArray());
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(RawWebSocket.readHead(in)).startsWith("HTTP/1.1 101 ");
            assertThat(readText(in)).contains("pusher:connection_established");
            assertThat(readText(in))
                    .contains("pusher_internal:subscription_succeeded")
                    .contains("early");
            out.write(ping, 3, ping.length - 3);
            out.flush();
            assertThat(readText(in)).contains("pusher:pong");
        }
    }

    private String upgrade(String version, String keyHeader) {
        return upgrade(app, version, keyHeader);
    }

    private static String upgrade(App app, String version, String keyHeader) {
        return "GET /app/" + app.key() + "?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n" + keyHeader
                + (version == null ? "" : "Sec-WebSocket-Version: " + version + "\r\n") + "\r\n";
    }

    /** Sends the request (and any bytes after it) and returns the response head. */
    private String exchange(String request, byte[] after) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(after);
            return RawWebSocket.readHead(socket.getInputStream());
        }
    }

    /** One unfragmented server text frame (servers never mask). */
    private static String readText(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int first = data.readUnsignedByte();
        assertThat(first).as("FIN + text").isEqualTo(0x81);
        int len = data.readUnsignedByte();
        if (len == 126) {
            len = data.readUnsignedShort();
        } else if (len == 127) {
            len = (int) data.readLong();
        }
        byte[] payload = new byte[len];
        data.readFully(payload);
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** A client text frame masked with the zero key (masked, so valid, and the payload reads as is). */
    private static byte[] maskedText(String text) {
        return RawWebSocket.clientFrame(0x81, text.getBytes(StandardCharsets.UTF_8), new byte[4]);
    }

    private void assertRefused(String path, int code) {
        try (RawWebSocket ws = server.raw(path)) {
            assertThat(ws.status()).as("upgrade completes before refusing").isEqualTo(101);
            JsonNode error = ws.nextEvent();
            assertThat(error.path("event").asText()).isEqualTo("pusher:error");
            assertThat(RawWebSocket.data(error).path("code").asInt()).isEqualTo(code);
            RawWebSocket.Frame close = ws.awaitClose();
            assertThat(close.closeCode()).isEqualTo(code);
        }
    }
}
