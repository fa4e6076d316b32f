package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.connection.PusherConnection;
import io.switchboard.testing.Browser;
import io.switchboard.testing.BrowserPage;
import io.switchboard.testing.LogCapture;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real pusher-js in headless Chromium against an app with {@code websocket_compression} on: the
 * browser offers permessage-deflate, gets it, sends compressed frames and reads compressed events.
 */
@Tag("browser")
class BrowserCompressionTest {
    private static final App app = TestApps.withLimits(TestApps.withWebSocketCompression(TestApps.app("web")), l -> {
        l.maxPayloadBytes = 64 * 1024;
        return l;
    });

    @RegisterExtension
    static final TestServer server = TestServer.start(s -> TestSettings.shutdownTimeout(s, 0), app);

    @RegisterExtension
    static final Browser browser = Browser.showing(server, app);

    @Test
    void chromiumNegotiatesCompressionAndReceivesEveryEvent() {
        BrowserPage alice;
        BrowserPage bob;
        try (LogCapture upgrades = LogCapture.debugOf("switchboard.transport")) {
            alice = browser.open("alice");
            bob = browser.open("bob");
            alice.connect(app.key(), Browser.pusherOptions(server.port(), "ws"));
            bob.connect(app.key(), Browser.pusherOptions(server.port(), "ws"));
            assertThat(alice.awaitConnected()).isEqualTo("ws");
            assertThat(bob.awaitConnected()).isEqualTo("ws");

            assertThat(upgrades.lines())
                    .filteredOn(line -> line.contains("answered"))
                    .as("the 101 answers to both browsers")
                    .hasSize(2)
                    .allSatisfy(line -> assertThat(line)
                            .contains("offered permessage-deflate")
                            .endsWith("answered permessage-deflate; server_no_context_takeover;"
                                    + " client_no_context_takeover"));
        }
        assertThat(compressing(alice.socketId())).isTrue();
        assertThat(compressing(bob.socketId())).isTrue();

        // Chromium compresses what it sends: the subscriptions and client events are inflated.
        for (BrowserPage page : List.of(alice, bob)) {
            page.subscribe("private-chat");
        }
        for (BrowserPage page : List.of(alice, bob)) {
            page.awaitEvent("private-chat", "pusher:subscription_succeeded");
        }
        String big = "{\"id\":1,\"status\":\"ok\"}".repeat(900); // ~20 KB, sent compressed
        List<String> texts = List.of("short", big.substring(0, 2_000), big, "short again");
        for (int i = 0; i < texts.size(); i++) {
            server.rest(app).trigger("private-chat", "update", Map.of("i", i, "text", texts.get(i)));
        }
        for (BrowserPage page : List.of(alice, bob)) {
            page.await(
                    "all updates", () -> page.events("private-chat", "update").size() >= texts.size());
            assertThat(page.events("private-chat", "update"))
                    .extracting(e -> e.path("data").path("text").asText())
                    .containsExactlyElementsOf(texts);
        }

        assertThat(alice.trigger("private-chat", "client-note", Map.of("text", big.substring(0, 4_000))))
                .isTrue();
        assertThat(bob.awaitEvent("private-chat", "client-note")
                        .path("data")
                        .path("text")
                        .asText())
                .isEqualTo(big.substring(0, 4_000));
    }

    private static boolean compressing(String socketId) {
        return server.server().connections().all().stream()
                .filter(c -> c.socketId().equals(socketId))
                .map(PusherConnection::transport)
                .map(t -> ((WebSocketTransport) t).compressing())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no connection " + socketId + " on the server"));
    }
}
