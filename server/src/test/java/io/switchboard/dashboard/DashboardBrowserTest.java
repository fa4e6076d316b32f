package io.switchboard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.testing.BrowserPage;
import io.switchboard.testing.Chromium;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestWebServer;
import io.switchboard.testing.WebhookReceiver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in real Chromium: logging in with the admin token, the apps list and its charts
 * following the load, the debug console showing each kind of event, and the event creator reaching
 * a pusher-js page. Screenshots are kept in {@code target/screenshots/}.
 */
@Tag("browser")
class DashboardBrowserTest {
    private static final String TOKEN = "browser-dashboard-token";
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Chromium chromium;
    private static TestServer server;
    private static TestWebServer web;
    private static WebhookReceiver receiver;
    private static App app;
    private static final App quiet = TestApps.app("quiet");

    @BeforeAll
    static void start() {
        chromium = Chromium.start();
        chromium.driver().manage().window().setSize(new Dimension(1400, 1000));
        receiver = WebhookReceiver.start();
        app = TestApps.withWebhooks(TestApps.app("shop"), TestApps.webhook(receiver.url()));
        server = TestServer.start(SwitchboardConfig.of(TestServer.settings(), List.of(app, quiet))
                .withAdmin(new AdminSettings(true, "127.0.0.1", 0, TOKEN)));
        web = TestWebServer.start(server, app);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {web, server, receiver, chromium}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @AfterEach
    void closeWindows() {
        BrowserPage.reset(chromium.driver());
    }

    @Test
    void logsInAndTheAppsListAndChartsFollowTheLoad() {
        WebDriver driver = chromium.driver();
        driver.get(dashboardUrl());
        await("the login form", () -> driver.getCurrentUrl().endsWith("/dashboard/login"));
        screenshot("login");
        driver.findElement(By.id("token")).sendKeys("wrong-token");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        await("the refusal", () -> driver.getPageSource().contains("Wrong token"));
        driver.findElement(By.id("token")).sendKeys(TOKEN);
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        await(
                "the apps list",
                () -> !driver.findElements(By.cssSelector("tr[data-app=shop]")).isEmpty());
        assertThat(js("return document.querySelectorAll('#chart-messages canvas').length"))
                .isEqualTo(1L);
        screenshot("apps-idle");

        int clients = 5;
        List<RawWebSocket> sockets = new ArrayList<>();
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < clients; i++) {
                RawWebSocket ws = server.raw(app);
                ws.established();
                ws.subscribe("prices");
                sockets.add(ws);
            }
            load.scheduleAtFixedRate(
                    () -> server.rest(app).trigger("prices", "tick", Map.of("price", 42)),
                    0,
                    100,
                    TimeUnit.MILLISECONDS);
            await(
                    "the app's row to show " + clients + " connections",
                    () -> String.valueOf(clients)
                            .equals(driver.findElement(By.cssSelector("tr[data-app=shop] td.connections"))
                                    .getText()));
            await("the messages chart to rise", () -> lastValue("messages", 1) > 0);
            await("the connections chart to rise", () -> lastValue("connections", 1) >= clients);
            await("a few points under load", () -> pointsAbove("messages", 1, 0) >= 3);
            screenshot("apps-under-load");
            assertThat(driver.findElement(By.id("total-connections")).getText()).isEqualTo(String.valueOf(clients));

            // While the clients are still connected: the page shows the transports of live ones.
            driver.findElement(By.linkText("shop")).click();
            await(
                    "the app page",
                    () -> !driver.findElements(By.id("app-connections")).isEmpty());
            await(
                    "the transports of its clients",
                    () -> driver.findElement(By.id("transports")).getText().contains("websocket"));
            screenshot("app-overview");
        } finally {
            load.shutdownNow();
            sockets.forEach(RawWebSocket::close);
        }
    }

    @Test
    void theDebugConsoleShowsEachKindOfEventAsItHappens() {
        WebDriver driver = chromium.driver();
        String dashboard = openConsole(driver);
        BrowserPage page = BrowserPage.openWindow(driver, web.page("alice"));
        page.connect(app.key(), pusherOptions());
        page.awaitConnected();
        page.subscribed("orders");
        page.subscribed("private-chat");

        server.rest(app).trigger("orders", "order-placed", Map.of("id", 17));
        assertThat(page.trigger("private-chat", "client-typing", Map.of("who", "alice")))
                .isTrue();
        try (RawWebSocket intruder = server.raw(app)) {
            intruder.established();
            intruder.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-vault\",\"auth\":\""
                    + app.key() + ":forged\"}}");
            intruder.awaitEvent("pusher:subscription_error");
        }

        driver.switchTo().window(dashboard);
        List<String> delays = new ArrayList<>();
        for (String[] expected : new String[][] {
            {"api_message", "event", "order-placed"},
            {"client_event", "event", "client-typing"},
            {"subscription_error", "channel", "private-vault"},
            {"webhook", "outcome", "delivered"},
        }) {
            String script = "return sbDashboard.consoleEvents.find(e => e.type === arguments[0] && e[arguments[1]] =="
                    + " arguments[2])";
            await(expected[0] + " in the console", () -> js(script, (Object[]) expected) != null);
            Object delay = js(
                    "const e = sbDashboard.consoleEvents.find(e => e.type === arguments[0] && e[arguments[1]] =="
                            + " arguments[2]); return e.received_at - e.at",
                    (Object[]) expected);
            delays.add(expected[0] + " " + delay + " ms");
            assertThat(driver.findElements(By.cssSelector("#console tr[data-type=" + expected[0] + "]")))
                    .isNotEmpty();
        }
        // Reported, not asserted: a shared machine may pause any process for a moment.
        System.out.println("debug console: from the event to the page: " + delays);
        screenshot("debug-console");

        driver.findElement(By.id("console-pause")).click();
        server.rest(app).trigger("orders", "while-paused", Map.of());
        await(
                "the event held while paused",
                () -> driver.findElement(By.id("console-status")).getText().contains("new events waiting"));
        assertThat(driver.findElements(By.xpath("//table[@id='console']//*[text()='while-paused']")))
                .isEmpty();
        driver.findElement(By.id("console-pause")).click();
        await(
                "the held event shown on resume",
                () -> !driver.findElements(By.xpath("//table[@id='console']//*[text()='while-paused']"))
                        .isEmpty());
    }

    @Test
    void theEventCreatorPublishesToAPusherJsPage() {
        WebDriver driver = chromium.driver();
        String dashboard = openConsole(driver);
        BrowserPage page = BrowserPage.openWindow(driver, web.page("bob"));
        page.connect(app.key(), pusherOptions());
        page.awaitConnected();
        page.subscribed("announcements");

        driver.switchTo().window(dashboard);
        driver.findElement(By.id("creator-channel")).sendKeys("announcements");
        driver.findElement(By.id("creator-event")).sendKeys("from-dashboard");
        driver.findElement(By.id("creator-data")).clear();
        driver.findElement(By.id("creator-data")).sendKeys("{\"text\":\"hello from the dashboard\"}");
        driver.findElement(By.id("creator-send")).click();
        await(
                "the creator's confirmation",
                () -> driver.findElement(By.id("creator-result")).getText().startsWith("Published"));
        await(
                "the event in the console",
                () -> !driver.findElements(By.xpath("//table[@id='console']//*[text()='from-dashboard']"))
                        .isEmpty());
        screenshot("event-creator");

        assertThat(page.awaitEvent("announcements", "from-dashboard")
                        .path("data")
                        .path("text")
                        .asText())
                .isEqualTo("hello from the dashboard");
    }

    // --- helpers ------------------------------------------------------------------------------------

    /** Logs in when asked to, opens the app's console and returns the dashboard's window. */
    private String openConsole(WebDriver driver) {
        driver.get(dashboardUrl());
        if (driver.getCurrentUrl().endsWith("/login")) {
            driver.findElement(By.id("token")).sendKeys(TOKEN);
            driver.findElement(By.cssSelector("button[type=submit]")).click();
            await("the apps list", () -> !driver.findElements(By.id("apps")).isEmpty());
        }
        driver.get(dashboardUrl() + "#/apps/" + app.id() + "/console");
        await(
                "the console stream",
                () -> "live"
                        .equals(js("return document.getElementById('console-status')"
                                + " && document.getElementById('console-status').dataset.state")));
        return driver.getWindowHandle();
    }

    private Map<String, Object> pusherOptions() {
        return Map.of(
                "cluster",
                "local",
                "wsHost",
                "127.0.0.1",
                "wsPort",
                server.port(),
                "forceTLS",
                false,
                "enabledTransports",
                List.of("ws"));
    }

    private static String dashboardUrl() {
        return "http://127.0.0.1:" + server.adminPort() + "/dashboard/";
    }

    /** The last value of a series of one of the overview's charts (uPlot's own data). */
    private static double lastValue(String chart, int series) {
        Object v = js(
                "const d = sbDashboard.charts[arguments[0]] && sbDashboard.charts[arguments[0]].data;"
                        + " if (!d || d[arguments[1]].length === 0) return -1; return d[arguments[1]][d[arguments[1]].length - 1]",
                chart,
                series);
        return ((Number) v).doubleValue();
    }

    private static long pointsAbove(String chart, int series, double floor) {
        Object v = js(
                "const d = sbDashboard.charts[arguments[0]].data[arguments[1]]; return d.filter(x => x > arguments[2]).length",
                chart,
                series,
                floor);
        return ((Number) v).longValue();
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) chromium.driver()).executeScript(script, args);
    }

    private static void await(String what, BooleanSupplier condition) {
        try {
            // The pages re-render every 2 s: an element read while it is being replaced is read again.
            new WebDriverWait(chromium.driver(), WAIT, Duration.ofMillis(100))
                    .ignoring(StaleElementReferenceException.class)
                    .until(d -> condition.getAsBoolean());
        } catch (TimeoutException e) {
            screenshot("failed-" + what.replaceAll("[^a-z0-9]+", "-"));
            throw new AssertionError(
                    "no " + what + " within " + WAIT + " at "
                            + chromium.driver().getCurrentUrl(),
                    e);
        }
    }

    private static void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path shot = ((TakesScreenshot) chromium.driver())
                    .getScreenshotAs(OutputType.FILE)
                    .toPath();
            Files.copy(shot, SCREENSHOTS.resolve("dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
