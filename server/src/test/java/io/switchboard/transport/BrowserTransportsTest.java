package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.connection.PusherConnection;
import io.switchboard.testing.Browser;
import io.switchboard.testing.BrowserPage;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real pusher-js in headless Chromium, forced onto one transport at a time. The page comes from a
 * different origin (the test web server) than Switchboard, so the HTTP transports run with CORS.
 */
@Tag("browser")
class BrowserTransportsTest {
    private static final App app = TestApps.withSubscriptionCountEvents(TestApps.app("web"));

    @RegisterExtension
    static final TestServer server = TestServer.start(s -> TestSettings.shutdownTimeout(s, 0), app);

    @RegisterExtension
    static final Browser browser = Browser.showing(server, app);

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ws, websocket", "xhr_streaming, xhr_streaming", "xhr_polling, xhr_polling"})
    void pusherJsSubscribesReceivesAndSendsClientEvents(String transport, String serverKind) {
        Map<String, Object> options = Browser.pusherOptions(server.port(), transport);
        BrowserPage alice = browser.open("alice");
        BrowserPage bob = browser.open("bob");
        alice.connect(app.key(), options);
        bob.connect(app.key(), options);

        assertThat(alice.awaitConnected()).isEqualTo(transport);
        assertThat(bob.awaitConnected()).isEqualTo(transport);
        assertThat(kindOf(alice.socketId())).isEqualTo(serverKind);
        assertThat(kindOf(bob.socketId())).isEqualTo(serverKind);

        String news = "news-" + transport;
        String chat = "private-chat-" + transport;
        String room = "presence-room-" + transport;
        for (BrowserPage page : List.of(alice, bob)) {
            page.subscribe(news);
            page.subscribe(chat);
            page.subscribe(room);
        }
        for (BrowserPage page : List.of(alice, bob)) {
            page.awaitEvent(news, "pusher:subscription_succeeded");
            page.awaitEvent(chat, "pusher:subscription_succeeded");
            page.awaitEvent(room, "pusher:subscription_succeeded");
            page.await("both presence members", () -> page.memberIds(room).equals(List.of("alice", "bob")));
            page.awaitEvent(
                    news,
                    "pusher:subscription_count",
                    e -> e.path("data").path("subscription_count").asInt() == 2);
        }

        server.rest(app).trigger(List.of(news, chat, room), "announcement", Map.of("text", "hello " + transport));
        for (BrowserPage page : List.of(alice, bob)) {
            for (String channel : List.of(news, chat, room)) {
                assertThat(page.awaitEvent(channel, "announcement")
                                .path("data")
                                .path("text")
                                .asText())
                        .isEqualTo("hello " + transport);
            }
        }

        assertThat(alice.trigger(chat, "client-typing", Map.of("from", "alice")))
                .isTrue();
        assertThat(bob.awaitEvent(chat, "client-typing")
                        .path("data")
                        .path("from")
                        .asText())
                .isEqualTo("alice");
        assertThat(bob.trigger(room, "client-wave", Map.of("from", "bob"))).isTrue();
        assertThat(alice.awaitEvent(room, "client-wave")
                        .path("data")
                        .path("from")
                        .asText())
                .isEqualTo("bob");
        assertThat(bob.trigger(chat, "client-typing", Map.of("from", "bob"))).isTrue();
        alice.awaitEvent(
                chat, "client-typing", e -> e.path("data").path("from").asText().equals("bob"));
        assertThat(alice.trigger(room, "client-wave", Map.of("from", "alice"))).isTrue();
        bob.awaitEvent(
                room, "client-wave", e -> e.path("data").path("from").asText().equals("alice"));
        // Each answered after the other's event reached them, so an echo to the sender would have
        // come first.
        assertThat(alice.events(chat, "client-typing"))
                .as("a client event is not sent back to its sender")
                .extracting(e -> e.path("data").path("from").asText())
                .containsExactly("bob");
        assertThat(bob.events(room, "client-wave"))
                .as("a client event is not sent back to its sender")
                .extracting(e -> e.path("data").path("from").asText())
                .containsExactly("alice");
    }

    /**
     * pusher-js's {@code wsPath} and {@code httpPath}, as set when a proxy mounts Switchboard under
     * a path (transports.md): the server accepts any prefix before {@code /app/}.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ws", "xhr_streaming", "xhr_polling"})
    void pusherJsWithWsPathAndHttpPathPrefixesConnectsAndReceives(String transport) {
        Map<String, Object> options = Map.of(
                "wsHost",
                "127.0.0.1",
                "wsPort",
                server.port(),
                "httpHost",
                "127.0.0.1",
                "httpPort",
                server.port(),
                "forceTLS",
                false,
                "wsPath",
                "/realtime",
                "httpPath",
                "/mounted/pusher",
                "enabledTransports",
                List.of(transport));
        BrowserPage page = browser.open("carol");
        page.connect(app.key(), options);
        assertThat(page.awaitConnected()).isEqualTo(transport);
        String channel = "prefixed-" + transport;
        page.subscribe(channel);
        page.awaitEvent(channel, "pusher:subscription_succeeded");

        server.rest(app).trigger(channel, "hello", Map.of("via", transport));

        assertThat(page.awaitEvent(channel, "hello").path("data").path("via").asText())
                .isEqualTo(transport);
        if (transport.equals("ws")) {
            assertThat(page.webSockets()).isNotEmpty().allMatch(p -> p.equals("/realtime/app/" + app.key()));
        } else {
            assertThat(page.webSockets()).isEmpty();
            assertThat(page.requests())
                    .filteredOn(r -> r.contains("/app/"))
                    .isNotEmpty()
                    .allMatch(r -> r.startsWith("POST /mounted/pusher/app/" + app.key() + "/"));
        }
    }

    /**
     * pusher-js aborts a streaming response once it has buffered 256 KiB and POSTs a new one for the
     * same session (pusher-protocol.md §9.6): the connection must carry on, losing nothing.
     */
    @Test
    void streamingSurvivesPusherJsRestartingTheResponseAfter256KiB() {
        BrowserPage page = browser.open("erin");
        page.connect(app.key(), Browser.pusherOptions(server.port(), "xhr_streaming"));
        assertThat(page.awaitConnected()).isEqualTo("xhr_streaming");
        String socketId = page.socketId();
        String channel = "bulk";
        page.subscribed(channel);

        String filler = "x".repeat(8 * 1024);
        int count = 48; // about 400 KiB on the wire
        for (int i = 0; i < count; i++) {
            server.rest(app).trigger(channel, "chunk", Map.of("i", i, "filler", filler));
        }
        page.await(
                "all " + count + " events", () -> page.events(channel, "chunk").size() >= count);

        assertThat(page.events(channel, "chunk"))
                .extracting(e -> e.path("data").path("i").asInt())
                .containsExactlyElementsOf(IntStream.range(0, count).boxed().toList());
        List<String> streams = page.requests().stream()
                .filter(r -> r.endsWith("/xhr_streaming"))
                .toList();
        assertThat(streams).as("pusher-js restarted the response").hasSizeGreaterThanOrEqualTo(2);
        assertThat(streams).as("for the same session").containsOnly(streams.get(0));
        assertThat(page.socketId()).as("same connection, no reconnect").isEqualTo(socketId);
        assertThat(page.transport()).isEqualTo("xhr_streaming");
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
