package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One browser window showing the test page ({@code browser/client.html}) with real pusher-js.
 * Drives it through the page's {@code sb} object and reads what pusher-js reported from {@code
 * sb.log}. Every wait is bounded; a failed wait reports the page's log.
 */
public final class BrowserPage {
    /** Generous: pusher-js may need 5 s before it even tries an HTTP fallback. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebDriver driver;
    private final String handle;

    private BrowserPage(WebDriver driver, String handle) {
        this.driver = driver;
        this.handle = handle;
    }

    /** pusher-js options for a server on a loopback port, plain, on one transport (ws, xhr_streaming, xhr_polling). */
    public static Map<String, Object> options(String transport, int port) {
        return Map.of(
                "cluster",
                "local",
                "wsHost",
                "127.0.0.1",
                "wsPort",
                port,
                "httpHost",
                "127.0.0.1",
                "httpPort",
                port,
                "forceTLS",
                false,
                "disableStats",
                true,
                "enabledTransports",
                List.of(transport));
    }

    /** Opens {@code url} in the driver's current window, once the page's script has defined {@code sb}. */
    public static BrowserPage open(WebDriver driver, String url) {
        driver.get(url);
        if (!scriptRan(driver)) {
            // Seen once in CI: the page had loaded but "sb is not defined". The page and pusher-js
            // come from the test's own web server, not from Switchboard, so it is loaded again, and
            // what the page held is reported if that does not help either.
            System.err.println(
                    "BrowserPage: " + url + " loaded without its script; loading it again: " + state(driver));
            driver.navigate().refresh();
            if (!scriptRan(driver)) {
                throw new AssertionError("the test page " + url + " did not run its script: " + state(driver));
            }
        }
        return new BrowserPage(driver, driver.getWindowHandle());
    }

    private static boolean scriptRan(WebDriver driver) {
        try {
            new WebDriverWait(driver, Duration.ofSeconds(10), Duration.ofMillis(100))
                    .until(d -> Boolean.TRUE.equals(
                            ((JavascriptExecutor) d).executeScript("return typeof sb !== 'undefined'")));
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    private static Object state(WebDriver driver) {
        return ((JavascriptExecutor) driver)
                .executeScript("return {url: location.href, readyState: document.readyState, pusher: typeof Pusher,"
                        + " html: document.documentElement.outerHTML.length}");
    }

    /** Opens {@code url} in a new window of the same browser. */
    public static BrowserPage openWindow(WebDriver driver, String url) {
        driver.switchTo().newWindow(WindowType.WINDOW);
        return open(driver, url);
    }

    /** Closes every window but the first and blanks that one, which ends all pusher-js connections. */
    public static void reset(WebDriver driver) {
        List<String> handles = new ArrayList<>(driver.getWindowHandles());
        for (int i = 1; i < handles.size(); i++) {
            driver.switchTo().window(handles.get(i)).close();
        }
        driver.switchTo().window(handles.get(0)).get("about:blank");
    }

    /** Closes this window, as a user closing the tab; the driver moves to another open window. */
    public void close() {
        driver.switchTo().window(handle).close();
        driver.switchTo().window(driver.getWindowHandles().iterator().next());
    }

    /** Runs {@code script} in the page (a function body: {@code return} hands a value back). */
    public Object run(String script, Object... args) {
        return js(script, args);
    }

    private Object js(String script, Object... args) {
        driver.switchTo().window(handle);
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /**
     * {@code new Pusher(key, options)} on the page; {@code options} become a JS object (lists
     * become arrays). Channel authorization is set by the page.
     */
    public void connect(String key, Map<String, Object> options) {
        js("sb.connect(arguments[0], arguments[1])", key, options);
    }

    /** Laravel Echo on pusher-js ({@code new Echo.default({broadcaster: 'pusher', key, ...options})}). */
    public void connectEcho(String key, Map<String, Object> options) {
        js("sb.connectEcho(arguments[0], arguments[1])", key, options);
    }

    /** Subscribes through Echo's {@code channel(name).listen('.' + event)}, logging what it hands over. */
    public void echoListen(String channel, String event) {
        js("sb.echoListen(arguments[0], arguments[1])", channel, event);
    }

    /** Logs Echo's {@code channel(name).subscribed} callback as {@code pusher:subscription_succeeded}. */
    public void echoSubscribed(String channel) {
        js("sb.echoSubscribed(arguments[0])", channel);
    }

    /** Adds {@code <script src=url>} to the page and waits until it has run. */
    public void loadScript(String url) {
        js("sb.loadScript(arguments[0])", url);
        await("script " + url + " loaded", () -> {
            Object state = js("return sb.scripts[arguments[0]] || null", url);
            if ("failed".equals(state)) {
                throw new AssertionError("the page could not load " + url);
            }
            return "loaded".equals(state);
        });
    }

    /** {@code SwitchboardResume.attach} on the page's pusher-js; its callbacks are logged as {@code recovered} / {@code unrecoverable}. */
    public void attachResume() {
        js("sb.attachResume()");
    }

    /** The last serial the resume plugin saw on {@code channel}, or null. */
    public Long lastSerial(String channel) {
        Object serial = js("return sb.resume.lastSerial(arguments[0])", channel);
        return serial == null ? null : ((Number) serial).longValue();
    }

    /** The log entries of one type (e.g. {@code recovered}), oldest first. */
    public List<JsonNode> entries(String type) {
        return log().stream().filter(e -> e.path("type").asText().equals(type)).toList();
    }

    /** Waits for {@code connected} and returns the name of the transport that carries it. */
    public String awaitConnected() {
        await("connected", () -> "connected".equals(js("return sb.state()")));
        return transport();
    }

    /** pusher-js's connection state: connecting, connected, unavailable... */
    public String state() {
        return (String) js("return sb.state()");
    }

    /** {@code pusher.connection.connection.transport.name}: ws, xhr_streaming, xhr_polling... */
    public String transport() {
        return (String) js("return sb.transport()");
    }

    public String socketId() {
        return (String) js("return sb.socketId()");
    }

    public void subscribe(String channel) {
        js("sb.subscribe(arguments[0])", channel);
    }

    /** Subscribes and waits for {@code pusher:subscription_succeeded}; returns its data. */
    public JsonNode subscribed(String channel) {
        subscribe(channel);
        return awaitEvent(channel, "pusher:subscription_succeeded").path("data");
    }

    /** A client event through pusher-js's {@code channel.trigger}; false when pusher-js refused it. */
    public boolean trigger(String channel, String event, Map<String, Object> data) {
        return Boolean.TRUE.equals(
                js("return sb.trigger(arguments[0], arguments[1], arguments[2])", channel, event, data));
    }

    /** The presence members pusher-js holds for {@code channel}, sorted by id. */
    @SuppressWarnings("unchecked")
    public List<String> memberIds(String channel) {
        return (List<String>) js("return sb.memberIds(arguments[0])", channel);
    }

    /** The XHRs the page opened, as {@code "POST /pusher/app/key/123/abcdefgh/xhr_send"}, oldest first. */
    @SuppressWarnings("unchecked")
    public List<String> requests() {
        return (List<String>) js("return sb.requests.slice()");
    }

    /** The paths of the WebSockets the page opened, as {@code "/app/key"}, oldest first. */
    @SuppressWarnings("unchecked")
    public List<String> webSockets() {
        return (List<String>) js("return sb.sockets.slice()");
    }

    /** Everything the page logged: state changes and channel events, oldest first. */
    public List<JsonNode> log() {
        try {
            List<JsonNode> out = new ArrayList<>();
            JSON.readTree((String) js("return JSON.stringify(sb.log)")).forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page log with every entry cut to 200 characters, for failure messages. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        for (JsonNode entry : log()) {
            String text = entry.toString();
            out.append("\n  ").append(text.length() > 200 ? text.substring(0, 200) + "..." : text);
        }
        return out.toString();
    }

    /** The events received on {@code channel} named {@code event}, oldest first. */
    public List<JsonNode> events(String channel, String event) {
        return log().stream()
                .filter(e -> e.path("type").asText().equals("event"))
                .filter(e -> e.path("channel").asText().equals(channel))
                .filter(e -> e.path("event").asText().equals(event))
                .toList();
    }

    /** Waits for the first {@code event} on {@code channel} and returns its log entry. */
    public JsonNode awaitEvent(String channel, String event) {
        return awaitEvent(channel, event, e -> true);
    }

    /** Waits for an {@code event} on {@code channel} whose log entry matches. */
    public JsonNode awaitEvent(String channel, String event, Predicate<JsonNode> matching) {
        JsonNode[] found = new JsonNode[1];
        await(event + " on " + channel, () -> {
            for (JsonNode e : events(channel, event)) {
                if (matching.test(e)) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** Waits until {@code condition} holds, reading the page every 100 ms, for at most {@link #WAIT}. */
    public void await(String what, java.util.function.BooleanSupplier condition) {
        try {
            new WebDriverWait(driver, WAIT, Duration.ofMillis(100)).until(d -> condition.getAsBoolean());
        } catch (TimeoutException e) {
            throw new AssertionError(
                    "page " + handle + ": no " + what + " within " + WAIT + "; page log: " + summary(), e);
        }
    }
}
