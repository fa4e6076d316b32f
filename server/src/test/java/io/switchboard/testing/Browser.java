package io.switchboard.testing;

import io.switchboard.app.App;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The browser of a browser test class, registered on a static field: one headless {@link Chromium}
 * for all the class's tests, the test page served for one app, and each test's pages closed after
 * it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestServer server = TestServer.start(app);
 * @RegisterExtension
 * static final Browser browser = Browser.showing(server, app);
 *
 * BrowserPage alice = browser.open("alice");
 * alice.connect(app.key(), Browser.pusherOptions(server.port(), "ws"));
 * }</pre>
 */
public final class Browser implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final TestServer server;
    private final App app;
    private Chromium chromium;
    private TestWebServer web;
    private boolean pageOpen;

    private Browser(TestServer server, App app) {
        this.server = server;
        this.app = app;
    }

    /** A browser whose pages are the test page, with channel auth signing for {@code app}. */
    public static Browser showing(TestServer server, App app) {
        return new Browser(server, app);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        chromium = Chromium.start();
        web = TestWebServer.start(server, app);
    }

    /**
     * Opens the test page as {@code user} (the presence user its channel auth signs for): the
     * test's first page in the browser's window, each later one in a new window.
     */
    public BrowserPage open(String user) {
        return openUrl(pageUrl(user));
    }

    /** Opens any URL, as {@link #open} places it. */
    public BrowserPage openUrl(String url) {
        BrowserPage page =
                pageOpen ? BrowserPage.openWindow(chromium.driver(), url) : BrowserPage.open(chromium.driver(), url);
        pageOpen = true;
        return page;
    }

    /** The URL of the test page (which loads pusher-js from the test web server) as {@code user}. */
    public String pageUrl(String user) {
        return web.page(user);
    }

    public ChromeDriver driver() {
        return chromium.driver();
    }

    /**
     * Options for {@link BrowserPage#connect} that send every pusher-js transport, plain or TLS,
     * to {@code 127.0.0.1:port}; restricted to {@code transports} when any are given (ws,
     * xhr_streaming, xhr_polling...). The map is mutable, to add more.
     */
    public static Map<String, Object> pusherOptions(int port, String... transports) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("cluster", "local");
        options.put("wsHost", "127.0.0.1");
        options.put("wsPort", port);
        options.put("wssPort", port);
        options.put("httpHost", "127.0.0.1");
        options.put("httpPort", port);
        options.put("httpsPort", port);
        options.put("forceTLS", false);
        if (transports.length > 0) {
            options.put("enabledTransports", List.of(transports));
        }
        return options;
    }

    /** Closes every window the test opened but the first and blanks that one. */
    @Override
    public void afterEach(ExtensionContext context) {
        if (chromium != null) {
            BrowserPage.reset(chromium.driver());
        }
        pageOpen = false;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (web != null) {
                web.close();
            }
        } finally {
            if (chromium != null) {
                chromium.close();
            }
        }
    }
}
