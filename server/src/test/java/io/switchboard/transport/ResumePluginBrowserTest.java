package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.BrowserPage;
import io.switchboard.testing.Chromium;
import io.switchboard.testing.CuttingProxy;
import io.switchboard.testing.PacedPublisher;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import io.switchboard.testing.TestWebServer;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real pusher-js 8.6 in headless Chromium with the resume plugin loaded from the server's own URL
 * ({@code /switchboard/resume.js}), reaching the server through a proxy that drops the connection
 * on demand (docs/history.md). Events are published at about 100 per second while the connection
 * is down; afterwards the page must hold every one exactly once, in order.
 */
@Tag("browser")
class ResumePluginBrowserTest {
    private static final App app = TestApps.withHistory(
            TestApps.app("resume"),
            TestApps.history("resume-*", 1000, 0),
            TestApps.history("private-resume-*", 1000, 0),
            TestApps.history("rewind-*", 100, 10),
            TestApps.history("short-*", 5, 0));
    private static Chromium chromium;
    private static TestServer server;
    private static TestWebServer web;
    private CuttingProxy proxy;

    @BeforeAll
    static void start() {
        chromium = Chromium.start();
        server = TestServer.start(s -> TestSettings.shutdownTimeout(s, 0), app);
        web = TestWebServer.start(server, app);
    }

    @AfterAll
    static void stop() {
        if (web != null) {
            web.close();
        }
        if (server != null) {
            server.close();
        }
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void startProxy() {
        proxy = CuttingProxy.start(server.port());
    }

    @AfterEach
    void closePagesAndProxy() {
        if (chromium != null) {
            BrowserPage.reset(chromium.driver());
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ws", "xhr_streaming", "xhr_polling"})
    void everyEventPublishedWhileTheConnectionWasCutArrivesOnceInOrder(String transport) {
        String channel = "resume-cut-" + transport;
        BrowserPage page = pageWithPlugin();
        page.connect(app.key(), BrowserPage.options(transport, proxy.port()));
        assertThat(page.awaitConnected()).isEqualTo(transport);
        page.attachResume();
        page.subscribed(channel);

        cutWhilePublishingAndExpectEveryEvent(page, channel);
    }

    /** pusher-js re-subscribes a private channel only once its authorization came back. */
    @Test
    void aPrivateChannelResumesAfterItsAuthorization() {
        String channel = "private-resume-orders";
        BrowserPage page = pageWithPlugin();
        page.connect(app.key(), BrowserPage.options("ws", proxy.port()));
        assertThat(page.awaitConnected()).isEqualTo("ws");
        page.attachResume();
        page.subscribed(channel);

        cutWhilePublishingAndExpectEveryEvent(page, channel);
    }

    /**
     * The page receives no event before the cut: the plugin starts from the serial of {@code
     * subscription_succeeded} (0, the channel never had an event) and still recovers every event
     * published while the page was away.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ws", "xhr_polling"})
    void aPageThatSawNoEventBeforeTheCutRecoversEveryEventPublishedDuringIt(String transport) {
        String channel = "resume-quiet-" + transport;
        BrowserPage page = pageWithPlugin();
        page.connect(app.key(), BrowserPage.options(transport, proxy.port()));
        assertThat(page.awaitConnected()).isEqualTo(transport);
        page.attachResume();
        page.subscribed(channel);
        page.await("the serial of subscription_succeeded", () -> page.lastSerial(channel) != null);
        assertThat(page.lastSerial(channel))
                .as("the channel never had an event")
                .isZero();
        String socketBefore = page.socketId();

        proxy.refuse();
        assertThat(proxy.cut()).as("connections dropped").isPositive();
        page.await("disconnected", () -> !"connected".equals(page.state()));
        for (int i = 0; i < 30; i++) {
            server.rest(app).trigger(channel, "tick", Map.of("i", i));
        }
        proxy.admit();

        JsonNode recovered = awaitEntry(page, "recovered", channel).path("info");
        assertThat(page.socketId()).as("a new connection").isNotEqualTo(socketBefore);
        assertThat(recovered.path("after").asLong()).isZero();
        assertThat(recovered.path("replayed").asInt()).isEqualTo(30);
        server.rest(app).trigger(channel, "tick", Map.of("i", 30));
        server.rest(app).trigger(channel, "done", Map.of());
        page.awaitEvent(channel, "done");
        assertThat(ticks(page, channel))
                .as("every event once, in order")
                .containsExactlyElementsOf(IntStream.rangeClosed(0, 30).boxed().toList());
        assertThat(page.entries("unrecoverable")).isEmpty();
    }

    @Test
    void laravelEchoWithThePluginOnItsPusherRecoversEveryEvent() {
        String channel = "resume-echo";
        BrowserPage page = pageWithPlugin();
        page.loadScript("/echo.iife.js");
        page.connectEcho(app.key(), BrowserPage.options("ws", proxy.port()));
        assertThat(page.awaitConnected()).isEqualTo("ws");
        page.attachResume(); // on Echo.connector.pusher
        page.echoSubscribed(channel); // first: Echo subscribes at its first use of the channel
        page.echoListen(channel, "tick");
        page.echoListen(channel, "done");
        page.echoListen(channel, "switchboard:resumed"); // an Echo app can listen to it as well
        page.awaitEvent(channel, "pusher:subscription_succeeded");

        cutWhilePublishingAndExpectEveryEvent(page, channel);
    }

    /**
     * Publishes at about 100 events per second; once the page holds 20, drops its connection and
     * refuses new ones for 50 more events, then lets it back: the page must hold every event once,
     * in order, with the plugin's recovered callback and the server's switchboard:resumed on the way.
     */
    private void cutWhilePublishingAndExpectEveryEvent(BrowserPage page, String channel) {
        List<Integer> published;
        JsonNode recovered;
        try (PacedPublisher publisher = PacedPublisher.start(server.rest(app), channel, "tick", 100)) {
            page.await("the first events", () -> ticks(page, channel).size() >= 20);
            String socketBefore = page.socketId();

            proxy.refuse();
            assertThat(proxy.cut()).as("connections dropped").isPositive();
            publisher.awaitCount(publisher.count() + 50); // half a second the page cannot receive
            proxy.admit();

            recovered = awaitEntry(page, "recovered", channel);
            assertThat(page.socketId()).as("a new connection").isNotEqualTo(socketBefore);
            publisher.awaitCount(publisher.count() + 20); // and live ones after the seam
            published = publisher.stop();
        }
        server.rest(app).trigger(channel, "done", Map.of());
        page.awaitEvent(channel, "done"); // fence: every tick was published before it

        assertThat(ticks(page, channel)).as("every event once, in order").containsExactlyElementsOf(published);
        assertThat(recovered.path("info").path("replayed").asInt())
                .as("events missed while cut were replayed: " + recovered)
                .isPositive();
        assertThat(recovered.path("info").path("latest").asLong())
                .isGreaterThan(recovered.path("info").path("after").asLong());
        assertThat(page.events(channel, "switchboard:resumed"))
                .as("the channel event the server sends")
                .hasSize(1);
        assertThat(page.entries("unrecoverable")).isEmpty();
    }

    @Test
    void stockPusherJsOnARewindChannelGetsTheLastEventsOnSubscribe() {
        String channel = "rewind-news";
        for (int i = 0; i < 25; i++) {
            server.rest(app).trigger(channel, "tick", Map.of("i", i));
        }
        BrowserPage page = BrowserPage.open(chromium.driver(), web.page("reader")); // no plugin
        page.connect(app.key(), BrowserPage.options("ws", server.port()));
        assertThat(page.awaitConnected()).isEqualTo("ws");
        page.subscribed(channel);
        server.rest(app).trigger(channel, "tick", Map.of("i", 25));
        server.rest(app).trigger(channel, "done", Map.of());
        page.awaitEvent(channel, "done");

        assertThat(ticks(page, channel))
                .as("the last 10 before subscribing, then live")
                .containsExactlyElementsOf(IntStream.rangeClosed(15, 25).boxed().toList());
        List<String> order = page.log().stream()
                .filter(e -> e.path("channel").asText().equals(channel))
                .map(e -> e.path("event").asText())
                .toList();
        assertThat(order.getFirst()).isEqualTo("pusher:subscription_succeeded");
        assertThat(order).doesNotContain("switchboard:resumed", "switchboard:resume_failed");
    }

    @Test
    void pluginReportsUnrecoverableWhenHistoryNoLongerReachesBackAndGoesOnLive() {
        String channel = "short-feed"; // keeps 5 events
        BrowserPage page = pageWithPlugin();
        page.connect(app.key(), BrowserPage.options("ws", proxy.port()));
        assertThat(page.awaitConnected()).isEqualTo("ws");
        page.attachResume();
        page.subscribed(channel);
        for (int i = 0; i < 3; i++) {
            server.rest(app).trigger(channel, "tick", Map.of("i", i));
        }
        page.await("3 events", () -> ticks(page, channel).size() == 3);
        Long seen = page.lastSerial(channel);
        assertThat(seen).as("the plugin read the serial from the raw frame").isNotNull();

        proxy.refuse();
        assertThat(proxy.cut()).isPositive();
        page.await("disconnected", () -> !"connected".equals(page.state()));
        for (int i = 3; i < 23; i++) { // 20 while away: more than the 5 kept
            server.rest(app).trigger(channel, "tick", Map.of("i", i));
        }
        proxy.admit();

        JsonNode failed = awaitEntry(page, "unrecoverable", channel).path("info");
        assertThat(failed.path("reason").asText()).isEqualTo("expired");
        assertThat(failed.path("after").asLong()).isEqualTo(seen);
        assertThat(failed.path("earliest").asLong()).isGreaterThan(seen + 1);
        assertThat(failed.path("latest").asLong())
                .isGreaterThanOrEqualTo(failed.path("earliest").asLong());
        assertThat(page.lastSerial(channel))
                .as("the gap is reported once: the next resume starts at the latest")
                .isEqualTo(failed.path("latest").asLong());

        server.rest(app).trigger(channel, "tick", Map.of("i", 23));
        server.rest(app).trigger(channel, "done", Map.of());
        page.awaitEvent(channel, "done");
        assertThat(ticks(page, channel)).as("no partial replay, then live").containsExactly(0, 1, 2, 23);
        assertThat(page.events(channel, "switchboard:resume_failed")).hasSize(1);
        assertThat(page.entries("recovered")).isEmpty();
    }

    @Test
    void attachIsRefusedTwiceAndDetachPutsPusherJsBackAsItWas() throws Exception {
        BrowserPage page = pageWithPlugin();
        page.connect(app.key(), BrowserPage.options("ws", server.port()));
        assertThat(page.awaitConnected()).isEqualTo("ws");
        JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree((String) page.run("""
                var p = sb.pusher, own = Object.prototype.hasOwnProperty;
                var t = p.connection.connection.transport;
                function shape() {
                  return {sendEvent: own.call(p, 'send_event'), unsubscribe: own.call(p, 'unsubscribe'),
                          frames: (t.callbacks.get('message') || []).length,
                          states: (p.connection.callbacks.get('state_change') || []).length};
                }
                var out = {before: shape()};
                sb.attachResume();
                out.attached = shape();
                try { SwitchboardResume.attach(p, {}); out.second = 'accepted'; } catch (e) { out.second = e.message; }
                try { SwitchboardResume.attach({}, {}); out.notPusher = 'accepted'; } catch (e) { out.notPusher = e.name; }
                sb.resume.detach();
                sb.resume.detach();
                out.detached = shape();
                sb.attachResume();
                return JSON.stringify(out);
                """));
        assertThat(r.path("attached").path("sendEvent").asBoolean()).isTrue();
        assertThat(r.path("attached").path("unsubscribe").asBoolean()).isTrue();
        assertThat(r.path("attached").path("frames").asInt())
                .isEqualTo(r.path("before").path("frames").asInt() + 1);
        assertThat(r.path("second").asText()).contains("already attached");
        assertThat(r.path("notPusher").asText()).isEqualTo("TypeError");
        assertThat(r.path("detached")).as("detach restores everything").isEqualTo(r.path("before"));

        String channel = "resume-after-reattach"; // still a working pusher-js
        page.subscribed(channel);
        server.rest(app).trigger(channel, "tick", Map.of("i", 1));
        page.awaitEvent(channel, "tick");
        page.await("the serial read", () -> page.lastSerial(channel) != null);
    }

    /** The test page with the plugin loaded from the server's URL, as an application's page would. */
    private static BrowserPage pageWithPlugin() {
        BrowserPage page = BrowserPage.open(chromium.driver(), web.page("reader"));
        page.loadScript("http://127.0.0.1:" + server.port() + ResumeScript.PATH);
        return page;
    }

    static List<Integer> ticks(BrowserPage page, String channel) {
        return page.events(channel, "tick").stream()
                .map(e -> e.path("data").path("i").asInt())
                .toList();
    }

    static JsonNode awaitEntry(BrowserPage page, String type, String channel) {
        JsonNode[] found = new JsonNode[1];
        page.await(type + " on " + channel, () -> {
            for (JsonNode e : page.entries(type)) {
                if (e.path("channel").asText().equals(channel)) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }
}
