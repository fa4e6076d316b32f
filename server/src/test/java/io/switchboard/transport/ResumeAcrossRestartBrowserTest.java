package io.switchboard.transport;

import static io.switchboard.transport.ResumePluginBrowserTest.awaitEntry;
import static io.switchboard.transport.ResumePluginBrowserTest.ticks;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.BrowserPage;
import io.switchboard.testing.Chromium;
import io.switchboard.testing.CuttingProxy;
import io.switchboard.testing.PacedPublisher;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import io.switchboard.testing.TestWebServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A deploy: the node a page is connected to stops gracefully (every client gets 4200) and starts
 * again on the same port, while another node of the same Redis cluster keeps publishing at about
 * 100 events per second. The history lives in Redis, so the restarted node replays what the page
 * missed: it holds every event exactly once, in order.
 *
 * <p>The page reaches the node through a proxy, as behind a load balancer, that holds the
 * reconnection pusher-js makes at once on 4200 until the node is back (a refused connection would
 * send pusher-js into its back-off, seconds long, and the test would measure that instead).
 */
@Tag("browser")
class ResumeAcrossRestartBrowserTest {
    private static final App app = TestApps.withHistory(TestApps.app("restart"), TestApps.history("deploy-*", 1000, 0));
    private static Chromium chromium;
    private static TestRedis redis;
    private TestServer publishing;
    private TestServer serving;
    private TestWebServer web;
    private CuttingProxy proxy;

    @BeforeAll
    static void start() {
        chromium = Chromium.start();
        redis = TestRedis.standalone();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        if (chromium != null) {
            chromium.close();
        }
    }

    @AfterEach
    void closeAll() {
        if (chromium != null) {
            BrowserPage.reset(chromium.driver());
        }
        for (AutoCloseable c : new AutoCloseable[] {proxy, web, serving, publishing}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ws", "xhr_streaming", "xhr_polling"})
    void everyEventPublishedWhileTheNodeRestartedArrivesOnceInOrder(String transport) {
        BrokerSettings broker = BrokerSettings.redis(redis.settings());
        publishing = TestServer.start(s -> TestSettings.shutdownTimeout(s, 2), broker, app);
        serving = TestServer.start(s -> TestSettings.shutdownTimeout(s, 2), broker, app);
        int port = serving.port();
        web = TestWebServer.start(publishing, app);
        proxy = CuttingProxy.start(port);
        String channel = "deploy-" + transport;

        BrowserPage page = BrowserPage.open(chromium.driver(), web.page("reader"));
        page.loadScript("http://127.0.0.1:" + port + ResumeScript.PATH);
        page.connect(app.key(), BrowserPage.options(transport, proxy.port()));
        assertThat(page.awaitConnected()).isEqualTo(transport);
        page.attachResume();
        page.subscribed(channel);

        List<Integer> published;
        JsonNode recovered;
        try (PacedPublisher publisher = PacedPublisher.start(publishing.rest(app), channel, "tick", 100)) {
            page.await("the first events", () -> ticks(page, channel).size() >= 20);

            proxy.hold();
            serving.close(); // graceful: 4200 to every client, then the port is free
            page.await("the 4200", () -> !"connected".equals(page.state()));
            publisher.awaitCount(publisher.count() + 50); // published while no node serves the page
            serving = TestServer.start(
                    s -> TestSettings.change(s, t -> {
                        t.port = port;
                        t.shutdownTimeout = 2;
                    }),
                    broker,
                    app);
            proxy.release();

            recovered = awaitEntry(page, "recovered", channel);
            publisher.awaitCount(publisher.count() + 20);
            published = publisher.stop();
        }
        publishing.rest(app).trigger(channel, "done", Map.of());
        page.awaitEvent(channel, "done");

        assertThat(ticks(page, channel)).as("every event once, in order").containsExactlyElementsOf(published);
        assertThat(recovered.path("info").path("replayed").asInt())
                .as("the restarted node replayed from Redis: " + recovered)
                .isPositive();
        assertThat(page.entries("unrecoverable")).isEmpty();
    }
}
