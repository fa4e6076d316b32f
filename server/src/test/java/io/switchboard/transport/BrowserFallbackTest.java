package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.connection.PusherConnection;
import io.switchboard.testing.Browser;
import io.switchboard.testing.BrowserPage;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import io.switchboard.testing.UpgradeRefusingProxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pusher-js with its default strategy behind a network path that refuses WebSocket upgrades: it
 * must find the HTTP fallback on its own (ws at 0 s, wss at 2 s, HTTP at 5 s; pusher-protocol.md
 * §9.8) and then work like any other connection.
 */
@Tag("browser")
class BrowserFallbackTest {
    private static final App app = TestApps.app("web");

    @RegisterExtension
    static final TestServer server = TestServer.start(s -> TestSettings.shutdownTimeout(s, 0), app);

    @RegisterExtension
    static final Browser browser = Browser.showing(server, app);

    private static UpgradeRefusingProxy proxy;

    @BeforeAll
    static void startProxy() {
        proxy = UpgradeRefusingProxy.start(server.port());
    }

    @AfterAll
    static void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void unmodifiedPusherJsFallsBackToHttpWhenWebSocketsAreRefused() {
        Map<String, Object> behindProxy = Browser.pusherOptions(proxy.port());
        BrowserPage carol = browser.open("carol");
        carol.connect(app.key(), behindProxy);

        String transport = carol.awaitConnected();
        assertThat(transport).isIn("xhr_streaming", "xhr_polling");
        assertThat(proxy.refusedUpgrades())
                .as("pusher-js tried a WebSocket first and the proxy refused it")
                .isPositive();
        assertThat(proxy.forwarded())
                .as("the HTTP requests went through the proxy")
                .isPositive();
        assertThat(kindOf(carol.socketId())).isEqualTo(transport);

        // A second page reaches the server directly over WebSocket; both meet on the same channels.
        BrowserPage dave = browser.open("dave");
        dave.connect(app.key(), Browser.pusherOptions(server.port(), "ws"));
        assertThat(dave.awaitConnected()).isEqualTo("ws");

        String room = "presence-fallback";
        String updates = "updates";
        for (BrowserPage page : List.of(carol, dave)) {
            page.subscribe(room);
            page.subscribe(updates);
        }
        for (BrowserPage page : List.of(carol, dave)) {
            page.awaitEvent(updates, "pusher:subscription_succeeded");
            page.awaitEvent(room, "pusher:subscription_succeeded");
            page.await("both presence members", () -> page.memberIds(room).equals(List.of("carol", "dave")));
        }

        server.rest(app).trigger(updates, "tick", Map.of("n", 1));
        assertThat(carol.awaitEvent(updates, "tick").path("data").path("n").asInt())
                .isEqualTo(1);
        assertThat(dave.awaitEvent(updates, "tick").path("data").path("n").asInt())
                .isEqualTo(1);

        assertThat(carol.trigger(room, "client-hello", Map.of("from", "carol"))).isTrue();
        assertThat(dave.awaitEvent(room, "client-hello")
                        .path("data")
                        .path("from")
                        .asText())
                .isEqualTo("carol");
        assertThat(dave.trigger(room, "client-hello", Map.of("from", "dave"))).isTrue();
        assertThat(carol.awaitEvent(room, "client-hello")
                        .path("data")
                        .path("from")
                        .asText())
                .isEqualTo("dave");

        assertThat(carol.transport()).as("still on the same HTTP transport").isEqualTo(transport);

        // Closing the tab sends nothing: the session expires and carol leaves the room.
        String carolId = carol.socketId();
        carol.close();
        dave.awaitEvent(
                room,
                "pusher:member_removed",
                e -> e.path("data").path("id").asText().equals("carol"));
        assertThat(dave.memberIds(room)).containsExactly("dave");
        assertThat(server.server().connections().all())
                .extracting(PusherConnection::socketId)
                .doesNotContain(carolId);
    }

    private static String kindOf(String socketId) {
        return server.server().connections().all().stream()
                .filter(c -> c.socketId().equals(socketId))
                .map(PusherConnection::transport)
                .map(t -> t.kind())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no connection " + socketId + " on the server"));
    }
}
