package io.switchboard.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.ApiRequest;
import io.switchboard.api.ApiResponse;
import io.switchboard.appstore.AppStore;
import io.switchboard.appstore.LiveApps;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's REST API under {@code /admin/v1}, served on the admin listener only (behind its
 * bearer token): apps (list, create, update, disable, delete), secret rotation with an overlap
 * window, and an app's live state. Every answer is JSON; errors are {@code {"error": "..."}} like
 * the public API's. {@link #handle} blocks (on the app store and the broker): call it off the event
 * loops. The OpenAPI description is served at {@code /admin/v1/openapi.json}.
 *
 * <p>This class routes and maps errors to statuses; {@link AppOperations} changes apps, {@link
 * LiveStateViews} shows their live state.
 */
public final class AdminApi {
    private static final Logger log = LoggerFactory.getLogger("switchboard.admin");
    static final String PREFIX = "/admin/v1";

    private final LiveApps apps;
    private final AppOperations operations;
    private final LiveStateViews views;
    private final String version;
    private final byte[] openApi;

    public AdminApi(LiveApps apps, LiveState state, Clock clock, String version) {
        this.apps = apps;
        this.operations = new AppOperations(apps, clock);
        this.views = new LiveStateViews(state, operations::existing);
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
                case "GET" -> json(200, operations.list(request));
                case "POST" -> json(201, operations.create(request));
                default -> notAllowed(method, "GET, POST");
            };
        }
        String id = decode(parts[1]);
        if (parts.length == 2) {
            return switch (method) {
                case "GET" -> json(200, AppViews.app(operations.existing(id)));
                case "PATCH" -> json(200, operations.update(id, request));
                case "DELETE" -> json(200, operations.delete(id));
                default -> notAllowed(method, "GET, PATCH, DELETE");
            };
        }
        String action = String.join("/", java.util.Arrays.copyOfRange(parts, 2, parts.length));
        return switch (action) {
            case "disable" ->
                method.equals("POST") ? json(200, operations.setEnabled(id, false)) : notAllowed(method, "POST");
            case "enable" ->
                method.equals("POST") ? json(200, operations.setEnabled(id, true)) : notAllowed(method, "POST");
            case "secret/rotate" ->
                method.equals("POST") ? json(200, operations.rotate(id, request)) : notAllowed(method, "POST");
            case "secret/previous" ->
                method.equals("DELETE") ? json(200, operations.endOverlap(id)) : notAllowed(method, "DELETE");
            case "state" -> method.equals("GET") ? json(200, views.state(id)) : notAllowed(method, "GET");
            default -> {
                if (parts.length == 5 && parts[2].equals("channels") && parts[4].equals("members")) {
                    yield method.equals("GET")
                            ? json(200, views.members(id, decode(parts[3]), request))
                            : notAllowed(method, "GET");
                }
                yield notFound(request);
            }
        };
    }

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
