package io.switchboard.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.admin.LiveState;
import io.switchboard.api.ApiResponse;
import io.switchboard.api.RestApi;
import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.channel.Channels;
import io.switchboard.config.AdminSettings;
import io.switchboard.config.DashboardSettings;
import io.switchboard.connection.Connections;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Command;
import io.switchboard.core.Envelope;
import io.switchboard.debug.DebugTap;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ChannelType;
import io.switchboard.webhook.Webhooks;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator dashboard under {@code /dashboard} on the admin listener: the pages and their
 * files, the JSON they read, the debug console's event streams and the event creator. Also the
 * node's part in the cluster's dashboards ({@link ClusterView}, {@link Console}), which runs even
 * where the admin listener is off, so every node's figures and events are seen from any node.
 *
 * <p>{@link #handle} may block (on the broker's stores): call it off the event loops.
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("switchboard.dashboard");
    static final String PREFIX = "/dashboard";
    private static final String API = PREFIX + "/api/";
    private static final String ASSETS = PREFIX + "/assets/";
    private static final int MAX_MEMBERS = 100;
    private static final int MAX_CHANNEL_FILTER = 200;

    private final DashboardSettings settings;
    private final AppRegistry apps;
    private final RestApi api;
    private final DashboardAuth auth;
    private final Console console;
    private final ClusterView cluster;
    private final DashboardViews views;
    private final Assets assets = new Assets();
    private final ScheduledExecutorService timer;

    /**
     * @param webhooks webhook delivery, or {@code null} when no app has webhooks
     * @param node this node's id, shown with per-node figures and on every console event
     */
    public Dashboard(
            AdminSettings admin,
            String node,
            Broker broker,
            DebugTap tap,
            AppRegistry apps,
            Connections connections,
            Channels channels,
            RestApi api,
            Webhooks webhooks,
            LiveState state) {
        this.settings = admin.dashboard();
        this.apps = apps;
        this.api = api;
        this.auth = new DashboardAuth(admin);
        ClusterView[] view = new ClusterView[1];
        this.console = new Console(broker, tap, node, settings, () -> view[0].viewersChanged());
        this.cluster = new ClusterView(
                broker, node, tap, new NodeFigures(apps, connections, channels, api, webhooks), console::watchedHere);
        view[0] = cluster;
        this.views = new DashboardViews(apps, state, cluster, console, settings);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-dashboard");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts reporting to the cluster and relaying console events. */
    public void start() {
        console.start();
        timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private void tick() {
        try {
            cluster.tick();
            console.tick();
        } catch (RuntimeException e) {
            log.warn("dashboard tick: {}", e.toString());
        }
    }

    /** Whether {@code path} belongs to the dashboard. */
    public static boolean handles(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** Whether an event the broker delivers is a console event (on an app's {@code #debug}). */
    public static boolean carries(ChannelKey channel) {
        return Console.carries(channel);
    }

    /** A console event from any node; from the broker's threads. */
    public void received(ChannelKey channel, Envelope envelope) {
        console.received(channel, envelope);
    }

    /** A node's report; from the broker's threads. */
    public void onReport(Command.NodeReport report) {
        cluster.onReport(report);
    }

    // --- requests -----------------------------------------------------------------------------------

    /** Answers one request; never throws for anything a client sends. */
    public DashboardResponse handle(DashboardRequest request) {
        String path = request.path();
        String method = request.method();
        if (path.startsWith(ASSETS)) {
            return method.equals("GET") ? asset(path.substring(ASSETS.length())) : notAllowed("GET");
        }
        if (!auth.hostAllowed(request)) {
            return text(
                    403,
                    "Open the dashboard through localhost or 127.0.0.1 (or admin.host), or set admin.token to"
                            + " reach it under another name.");
        }
        DashboardAuth.Caller caller = auth.authenticate(request);
        if (path.equals(PREFIX + "/login")) {
            return switch (method) {
                case "GET" -> caller != null ? redirect(PREFIX + "/", Map.of()) : loginPage(200, "");
                case "POST" -> login(request);
                default -> notAllowed("GET, POST");
            };
        }
        if (path.equals(PREFIX + "/logout")) {
            return method.equals("POST") ? logout(request, caller) : notAllowed("POST");
        }
        if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
            if (!method.equals("GET")) {
                return notAllowed("GET");
            }
            return caller == null ? redirect(PREFIX + "/login", Map.of()) : index(caller);
        }
        if (!path.startsWith(API)) {
            return json(404, error("Not found"));
        }
        if (caller == null) {
            return json(401, error("Log in first (" + PREFIX + "/login), or send Authorization: Bearer <admin.token>"));
        }
        cluster.touch();
        try {
            return api(request, caller, path.substring(API.length()).split("/", -1));
        } catch (DashboardViews.Unavailable e) {
            return json(503, error(e.getMessage()));
        } catch (RuntimeException e) {
            log.warn("dashboard {} {} failed", method, path, e);
            return json(500, error("Internal error"));
        }
    }

    private DashboardResponse api(DashboardRequest request, DashboardAuth.Caller caller, String[] parts)
            throws DashboardViews.Unavailable {
        String method = request.method();
        if (parts.length == 1 && parts[0].equals("overview")) {
            return method.equals("GET") ? json(200, views.overview(param(request, "q"))) : notAllowed("GET");
        }
        if (parts.length < 2 || !parts[0].equals("apps")) {
            return json(404, error("Not found"));
        }
        String appId = decode(parts[1]);
        App app = apps.byId(appId);
        if (app == null) {
            return json(404, error("Unknown app id"));
        }
        String rest = String.join("/", Arrays.copyOfRange(parts, 2, parts.length));
        if (rest.isEmpty()) {
            return method.equals("GET") ? json(200, views.app(appId)) : notAllowed("GET");
        }
        if (rest.equals("console")) {
            return method.equals("GET") ? console(request, caller, app) : notAllowed("GET");
        }
        if (rest.equals("events")) {
            return method.equals("POST") ? publish(request, caller, app) : notAllowed("POST");
        }
        if (parts.length == 5 && parts[2].equals("channels") && parts[4].equals("members")) {
            String channel = decode(parts[3]);
            String problem = ChannelNames.problem(channel, app.limits().maxChannelNameLength());
            if (problem != null || !ChannelType.of(channel).presence()) {
                return json(400, error(problem != null ? problem : "Only presence channels have members"));
            }
            return method.equals("GET") ? json(200, views.members(appId, channel, MAX_MEMBERS)) : notAllowed("GET");
        }
        return json(404, error("Not found"));
    }

    /** {@code ?types=a,b&channel=x}: a debug console stream of the app. */
    private DashboardResponse console(DashboardRequest request, DashboardAuth.Caller caller, App app) {
        Set<String> types = new HashSet<>();
        String given = param(request, "types");
        if (given != null && !given.isBlank()) {
            for (String t : given.split(",")) {
                String type = t.strip();
                if (!ConsoleEvents.TYPES.contains(type)) {
                    return json(
                            400,
                            error("Unknown event type; known types: "
                                    + String.join(
                                            ", ",
                                            ConsoleEvents.TYPES.stream()
                                                    .sorted()
                                                    .toList())));
                }
                types.add(type);
            }
        }
        String channel = param(request, "channel");
        channel = channel == null ? "" : channel.strip();
        if (channel.length() > MAX_CHANNEL_FILTER) {
            return json(400, error("The channel filter is longer than " + MAX_CHANNEL_FILTER + " characters"));
        }
        Console.Reservation place = console.reserve(app.id(), Set.copyOf(types), channel, caller.session());
        if (place == null) {
            String why = console.refusal(app.id());
            return json(429, error(why == null ? "Too many console streams open" : why));
        }
        return new DashboardResponse.Events(place::start, place::cancel);
    }

    /** The event creator: a body as {@code POST /apps/{id}/events} takes it. */
    private DashboardResponse publish(DashboardRequest request, DashboardAuth.Caller caller, App app) {
        if (!DashboardAuth.sameOrigin(request)) {
            return json(403, error("Cross-site request refused"));
        }
        if (!DashboardAuth.csrfOk(caller, request.header("x-csrf-token"))) {
            return json(403, error("Missing or wrong CSRF token (X-CSRF-Token); reload the page"));
        }
        ApiResponse answer;
        try {
            answer = api.triggerTrusted(app, request.body())
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return json(503, error("interrupted"));
        } catch (Exception e) {
            return json(503, error("Publishing did not complete: " + e));
        }
        log.info("dashboard: published a test event to app {}", app.id());
        return json(answer.status(), answer.body());
    }

    // --- pages --------------------------------------------------------------------------------------

    private DashboardResponse index(DashboardAuth.Caller caller) {
        String page = new String(assets.index(), StandardCharsets.UTF_8)
                .replace("{{csrf}}", caller.csrf() == null ? "" : caller.csrf())
                .replace("{{login}}", auth.loginRequired() ? "true" : "false");
        return new DashboardResponse.Full(
                200, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private DashboardResponse loginPage(int status, String error) {
        if (!auth.loginRequired()) {
            return redirect(PREFIX + "/", Map.of());
        }
        String page = new String(assets.login(), StandardCharsets.UTF_8)
                .replace("{{error}}", html(error))
                .replace("{{user_hidden}}", auth.userLogin() ? "" : "hidden");
        return new DashboardResponse.Full(
                status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private DashboardResponse login(DashboardRequest request) {
        if (!auth.loginRequired()) {
            return redirect(PREFIX + "/", Map.of());
        }
        if (!DashboardAuth.sameOrigin(request)) {
            return loginPage(403, "The login form must be sent from this dashboard's own page.");
        }
        return switch (auth.login(DashboardAuth.form(request.body()))) {
            case DashboardAuth.Attempt.Accepted a ->
                redirect(PREFIX + "/", Map.of("Set-Cookie", auth.sessionCookie(a.sessionId())));
            case DashboardAuth.Attempt.Refused r -> loginPage(401, r.message());
            case DashboardAuth.Attempt.TooMany t ->
                loginPage(429, "Too many failed logins on this node; wait a minute and try again.");
        };
    }

    private DashboardResponse logout(DashboardRequest request, DashboardAuth.Caller caller) {
        if (caller != null) {
            if (!DashboardAuth.sameOrigin(request)
                    || !DashboardAuth.csrfOk(
                            caller, DashboardAuth.form(request.body()).get("csrf"))) {
                return text(403, "Log out from the dashboard's own page.");
            }
            auth.logout(request);
        }
        return redirect(
                PREFIX + (auth.loginRequired() ? "/login" : "/"), Map.of("Set-Cookie", DashboardAuth.clearedCookie()));
    }

    private DashboardResponse asset(String name) {
        Assets.Asset a = assets.get(name);
        if (a == null) {
            return json(404, error("Not found"));
        }
        return new DashboardResponse.Full(200, a.contentType(), a.body(), Map.of("Cache-Control", "max-age=3600"));
    }

    // --- helpers ------------------------------------------------------------------------------------

    private static DashboardResponse redirect(String location, Map<String, String> headers) {
        Map<String, String> h = new java.util.HashMap<>(headers);
        h.put("Location", location);
        return new DashboardResponse.Full(303, "text/plain; charset=utf-8", new byte[0], Map.copyOf(h));
    }

    private static DashboardResponse json(int status, byte[] body) {
        return new DashboardResponse.Full(status, "application/json", body, Map.of());
    }

    private static DashboardResponse text(int status, String message) {
        return new DashboardResponse.Full(
                status, "text/plain; charset=utf-8", message.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static DashboardResponse notAllowed(String allowed) {
        return new DashboardResponse.Full(405, "application/json", error("Use " + allowed), Map.of("Allow", allowed));
    }

    private static byte[] error(String message) {
        ObjectNode o = ClusterView.JSON.createObjectNode();
        o.put("error", message);
        return DashboardViews.bytes(o);
    }

    private static String param(DashboardRequest request, String name) {
        for (String pair : request.query().split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return decode(pair.substring(eq + 1));
            }
        }
        return null;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String html(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    /** Stops reporting and relaying, and ends every console stream. */
    @Override
    public void close() {
        timer.shutdownNow();
        console.close();
    }
}
