package io.switchboard.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.ApiRequest;
import io.switchboard.api.ApiResponse;
import io.switchboard.app.App;
import io.switchboard.appstore.AppStore;
import io.switchboard.appstore.LiveApps;
import io.switchboard.appstore.YamlAppStore;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ChannelType;
import io.switchboard.webhook.WebhookSender;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's REST API under {@code /admin/v1}, served on the admin listener only (behind its
 * bearer token): apps (list, create, update, disable, delete), secret rotation with an overlap
 * window, and an app's live state. Every answer is JSON; errors are {@code {"error": "..."}} like
 * the public API's. {@link #handle} blocks (on the app store and the broker): call it off the event
 * loops. The OpenAPI description is served at {@code /admin/v1/openapi.json}.
 */
public final class AdminApi {
    private static final Logger log = LoggerFactory.getLogger("switchboard.admin");
    public static final String PREFIX = "/admin/v1";
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 100;
    static final long DEFAULT_OVERLAP_SECONDS = 24 * 3600;
    static final long MAX_OVERLAP_SECONDS = 30L * 24 * 3600;
    /** Previous secrets kept at most: a rotation during an overlap drops the oldest beyond this. */
    static final int MAX_PREVIOUS_SECRETS = 3;

    private static final long READ_TIMEOUT_SECONDS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LiveApps apps;
    private final LiveState state;
    private final Clock clock;
    private final String version;
    private final byte[] openApi;

    public AdminApi(LiveApps apps, LiveState state, Clock clock, String version) {
        this.apps = apps;
        this.state = state;
        this.clock = clock;
        this.version = version;
        this.openApi = resource("openapi.json");
    }

    /** Whether {@code path} belongs to this API. */
    public static boolean handles(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** Answers one request; blocks. Never throws for anything a client sends. */
    public ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (AppInput.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        } catch (AppStore.ReadOnly e) {
            return ApiResponse.error(405, e.getMessage());
        } catch (AppStore.NotFound e) {
            return ApiResponse.error(404, e.getMessage());
        } catch (AppStore.Conflict e) {
            return ApiResponse.error(409, e.getMessage());
        } catch (AppStore.Unavailable e) {
            log.warn("admin {} {}: {}", request.method(), request.rawPath(), e.getMessage());
            return ApiResponse.error(503, e.getMessage());
        }
    }

    private ApiResponse route(ApiRequest request) throws AppInput.Invalid {
        if (request.body().length > AppInput.MAX_BODY_BYTES) {
            return ApiResponse.error(413, "Request body is larger than " + AppInput.MAX_BODY_BYTES + " bytes");
        }
        String method = request.method();
        String rest = request.rawPath().substring(PREFIX.length());
        if (rest.isEmpty() || rest.equals("/")) {
            return method.equals("GET") ? about() : notAllowed(method, "GET");
        }
        if (rest.equals("/openapi.json")) {
            return method.equals("GET") ? new ApiResponse(200, openApi) : notAllowed(method, "GET");
        }
        String[] parts = rest.substring(1).split("/", -1);
        if (!parts[0].equals("apps")) {
            return notFound(request);
        }
        if (parts.length == 1) {
            return switch (method) {
                case "GET" -> list(request);
                case "POST" -> create(request);
                default -> notAllowed(method, "GET, POST");
            };
        }
        String id = decode(parts[1]);
        if (parts.length == 2) {
            return switch (method) {
                case "GET" -> json(200, AppViews.app(existing(id)));
                case "PATCH" -> update(id, request);
                case "DELETE" -> delete(id);
                default -> notAllowed(method, "GET, PATCH, DELETE");
            };
        }
        String action = String.join("/", java.util.Arrays.copyOfRange(parts, 2, parts.length));
        return switch (action) {
            case "disable" -> method.equals("POST") ? setEnabled(id, false) : notAllowed(method, "POST");
            case "enable" -> method.equals("POST") ? setEnabled(id, true) : notAllowed(method, "POST");
            case "secret/rotate" -> method.equals("POST") ? rotate(id, request) : notAllowed(method, "POST");
            case "secret/previous" -> method.equals("DELETE") ? endOverlap(id) : notAllowed(method, "DELETE");
            case "state" -> method.equals("GET") ? state(id) : notAllowed(method, "GET");
            default -> {
                if (parts.length == 5 && parts[2].equals("channels") && parts[4].equals("members")) {
                    yield method.equals("GET") ? members(id, decode(parts[3]), request) : notAllowed(method, "GET");
                }
                yield notFound(request);
            }
        };
    }

    // --- apps -------------------------------------------------------------------------------------

    private ApiResponse about() {
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("version", version);
        ObjectNode store = out.putObject("app_store");
        store.put("driver", apps.store().driver());
        store.put("writable", apps.store().writable());
        out.put("apps", apps.registry().all().size());
        out.put("openapi", PREFIX + "/openapi.json");
        return json(200, out);
    }

    /** {@code ?limit=N&after=ID}: apps ordered by id, {@code next} is the cursor of the next page. */
    private ApiResponse list(ApiRequest request) throws AppInput.Invalid {
        String repeated = request.repeatedKey();
        if (repeated != null) {
            throw new AppInput.Invalid("Query parameter '" + AppInput.cut(repeated) + "' is given more than once");
        }
        int limit = DEFAULT_PAGE;
        String given = request.param("limit");
        if (given != null) {
            try {
                limit = Integer.parseInt(given);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_PAGE) {
                throw new AppInput.Invalid("limit: must be 1.." + MAX_PAGE);
            }
        }
        String after = request.param("after");
        List<App> sorted = new ArrayList<>(apps.registry().all());
        sorted.sort(Comparator.comparing(App::id));
        ObjectNode out = AppInput.JSON.createObjectNode();
        ArrayNode list = out.putArray("apps");
        String last = null;
        boolean more = false;
        for (App app : sorted) {
            if (after != null && app.id().compareTo(after) <= 0) {
                continue;
            }
            if (list.size() == limit) {
                more = true;
                break;
            }
            list.add(AppViews.app(app));
            last = app.id();
        }
        out.put("total", sorted.size());
        if (more) {
            out.put("next", last);
        } else {
            out.putNull("next");
        }
        return json(200, out);
    }

    private ApiResponse create(ApiRequest request) throws AppInput.Invalid {
        requireWritable();
        ObjectNode body = AppInput.object(request.body());
        for (int attempt = 1; ; attempt++) {
            App app = AppInput.create(body, randomHex(8), randomHex(10), randomHex(20));
            try {
                apps.store().create(app);
            } catch (AppStore.Conflict e) {
                if (!body.hasNonNull(e.field()) && attempt < 3) {
                    continue; // a generated id or key met an existing one: draw again
                }
                throw e;
            }
            apps.refresh(app.id());
            log.info("admin: created app {} ({})", app.id(), app.name());
            ObjectNode out = AppViews.app(app);
            out.put("secret", app.secret());
            return json(201, out);
        }
    }

    private ApiResponse update(String id, ApiRequest request) throws AppInput.Invalid {
        existing(id);
        requireWritable();
        ObjectNode body = AppInput.object(request.body());
        App updated = change(id, current -> AppInput.update(current, body));
        log.info("admin: updated app {}", id);
        return json(200, AppViews.app(updated));
    }

    private ApiResponse setEnabled(String id, boolean enabled) throws AppInput.Invalid {
        existing(id);
        requireWritable();
        ObjectNode body = AppInput.JSON.createObjectNode().put("enabled", enabled);
        App updated = change(id, current -> AppInput.update(current, body));
        log.info("admin: {} app {}", enabled ? "enabled" : "disabled", id);
        return json(200, AppViews.app(updated));
    }

    private ApiResponse delete(String id) {
        existing(id);
        requireWritable();
        if (!apps.store().delete(id)) {
            throw new AppStore.NotFound("Unknown app id: " + id);
        }
        apps.refresh(id);
        log.info("admin: deleted app {}", id);
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("id", id);
        out.put("deleted", true);
        return json(200, out);
    }

    // --- secrets ----------------------------------------------------------------------------------

    /**
     * A new secret; the replaced one keeps verifying for {@code overlap_seconds} (default 24 h).
     * The new secret is in this answer only.
     */
    private ApiResponse rotate(String id, ApiRequest request) throws AppInput.Invalid {
        existing(id);
        requireWritable();
        ObjectNode body = AppInput.object(request.body());
        long overlap = DEFAULT_OVERLAP_SECONDS;
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("overlap_seconds")) {
                throw new AppInput.Invalid(
                        "Unknown field '" + AppInput.cut(field) + "'; known fields: overlap_seconds");
            }
        }
        JsonNode given = body.get("overlap_seconds");
        if (given != null && !given.isNull()) {
            if (!given.isIntegralNumber() || given.longValue() < 0 || given.longValue() > MAX_OVERLAP_SECONDS) {
                throw new AppInput.Invalid("overlap_seconds: must be a whole number 0.." + MAX_OVERLAP_SECONDS);
            }
            overlap = given.longValue();
        }
        String secret = randomHex(20);
        long now = clock.millis();
        long expires = now + TimeUnit.SECONDS.toMillis(overlap);
        App rotated = change(id, current -> {
            List<App.PreviousSecret> previous = new ArrayList<>();
            if (expires > now) {
                previous.add(new App.PreviousSecret(current.secret(), expires));
            }
            for (App.PreviousSecret p : current.previousSecrets()) {
                if (p.verifiesAt(now) && previous.size() < MAX_PREVIOUS_SECRETS) {
                    previous.add(p);
                }
            }
            return withSecrets(current, secret, previous);
        });
        log.info("admin: rotated the secret of app {} (previous one verifies for {} s)", id, overlap);
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("id", rotated.id());
        out.put("key", rotated.key());
        out.put("secret", secret);
        out.put("previous_secret_expires_at", Instant.ofEpochMilli(expires).toString());
        out.set("app", AppViews.app(rotated));
        return json(200, out);
    }

    /** Ends every overlap now: only the current secret verifies from here on. */
    private ApiResponse endOverlap(String id) throws AppInput.Invalid {
        existing(id);
        requireWritable();
        App app = change(id, current -> withSecrets(current, current.secret(), List.of()));
        log.info("admin: ended the secret overlap of app {}", id);
        return json(200, AppViews.app(app));
    }

    private static App withSecrets(App a, String secret, List<App.PreviousSecret> previous) {
        return new App(
                a.id(),
                a.key(),
                secret,
                a.name(),
                a.enabled(),
                a.clientEvents(),
                a.userAuthentication(),
                a.signinTimeoutSeconds(),
                a.requireTls(),
                a.subscriptionCountEvents(),
                a.limits(),
                a.webhooks(),
                previous,
                a.history());
    }

    // --- live state -------------------------------------------------------------------------------

    private ApiResponse state(String id) {
        existing(id);
        LiveState.AppState s = await(state.app(id));
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("id", s.appId());
        out.put("enabled", existing(id).enabled());
        ObjectNode connections = out.putObject("connections");
        connections.put("node", s.node());
        connections.put("count", s.connections().connections());
        connections.set("transports", AppInput.JSON.valueToTree(s.connections().transports()));
        connections.set("protocols", AppInput.JSON.valueToTree(s.connections().protocols()));
        connections.set("clients", AppInput.JSON.valueToTree(s.connections().clients()));
        ObjectNode channels = out.putObject("channels");
        channels.put("occupied", s.occupiedChannels());
        ArrayNode list = channels.putArray("list");
        for (LiveState.ChannelState c : s.channels()) {
            ObjectNode ch = list.addObject();
            ch.put("name", c.name());
            ch.put("subscription_count", c.subscriptionCount());
            if (c.userCount() != null) {
                ch.put("user_count", c.userCount());
            }
        }
        channels.put("truncated", s.occupiedChannels() > s.channels().size());
        ObjectNode hooks = out.putObject("webhooks");
        hooks.put("node", s.node());
        hooks.put("delivered", s.webhooks().delivered());
        hooks.put("retried", s.webhooks().retried());
        hooks.put("failed", s.webhooks().failed());
        hooks.put("queued", s.webhooks().queued());
        ArrayNode recent = hooks.putArray("recent");
        for (WebhookSender.Delivery d : s.webhooks().recent()) {
            ObjectNode r = recent.addObject();
            r.put("at", Instant.ofEpochMilli(d.atMillis()).toString());
            r.put("url", d.url());
            r.put("outcome", d.outcome());
            r.put("attempt", d.attempt());
            if (d.problem() != null) {
                r.put("problem", d.problem());
            }
        }
        return json(200, out);
    }

    private ApiResponse members(String id, String channel, ApiRequest request) throws AppInput.Invalid {
        App app = existing(id);
        String problem = ChannelNames.problem(channel, app.limits().maxChannelNameLength());
        if (problem != null) {
            throw new AppInput.Invalid(problem);
        }
        if (!ChannelType.of(channel).presence()) {
            throw new AppInput.Invalid("Only presence channels have members: " + AppInput.cut(channel));
        }
        int limit = 100;
        String given = request.param("limit");
        if (given != null) {
            try {
                limit = Integer.parseInt(given);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > LiveState.MAX_MEMBERS) {
                throw new AppInput.Invalid("limit: must be 1.." + LiveState.MAX_MEMBERS);
            }
        }
        LiveState.Members m = await(state.members(id, channel, limit));
        ObjectNode out = m.toJson(AppInput.JSON);
        return json(200, out);
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AppStore.Unavailable("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AppStore.Unavailable("the broker did not answer: " + e, e);
        }
    }

    // --- helpers ----------------------------------------------------------------------------------

    private App existing(String id) {
        App app = apps.registry().byId(id);
        if (app == null) {
            throw new AppStore.NotFound("Unknown app id: " + AppInput.cut(id));
        }
        return app;
    }

    private void requireWritable() {
        if (!apps.store().writable()) {
            throw new AppStore.ReadOnly(YamlAppStore.READ_ONLY);
        }
    }

    /** Runs a change in the store and applies it on this node at once (other nodes follow it). */
    private App change(String id, Change change) throws AppInput.Invalid {
        try {
            App updated = apps.store().update(id, current -> {
                try {
                    return change.apply(current);
                } catch (AppInput.Invalid e) {
                    throw new InvalidInside(e);
                }
            });
            apps.refresh(id);
            return updated;
        } catch (InvalidInside e) {
            throw e.invalid;
        }
    }

    private interface Change {
        App apply(App current) throws AppInput.Invalid;
    }

    /** Carries a refused change out of the store's transaction, which it rolls back. */
    private static final class InvalidInside extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient AppInput.Invalid invalid;

        InvalidInside(AppInput.Invalid invalid) {
            super(invalid.getMessage(), null, false, false);
            this.invalid = invalid;
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static ApiResponse json(int status, JsonNode body) {
        try {
            return new ApiResponse(status, AppInput.JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ApiResponse notFound(ApiRequest request) {
        return ApiResponse.error(404, "Not found: " + AppInput.cut(request.rawPath()));
    }

    private static ApiResponse notAllowed(String method, String allowed) {
        return ApiResponse.error(405, "Method " + method + " is not allowed here; use " + allowed);
    }

    private static byte[] resource(String name) {
        try (InputStream in = AdminApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
