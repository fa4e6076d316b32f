package io.switchboard.api;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import io.switchboard.channel.Channels;
import io.switchboard.channel.ClusterState;
import io.switchboard.connection.Connections;
import io.switchboard.debug.DebugTap;
import io.switchboard.metrics.Limit;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.metrics.RestLatency;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ClientText;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP REST API under {@code /apps/{app_id}} (pusher-protocol.md §7). Every response is JSON,
 * errors as {@code {"error": "..."}} with the documented status. Handlers never block.
 */
public final class RestApi {
    private static final Logger log = LoggerFactory.getLogger("switchboard.api");

    private final AppRegistry apps;
    private final Channels channels;
    private final ClusterState cluster;
    private final Connections connections;
    private final Clock clock;
    private final RestLatency latency;
    private final LimitRejections rejections;
    private final DebugTap debug;
    private final ChannelHistoryApi history;
    private final ChannelQueries queries;
    private final EventPublishing publishing;
    private final Map<String, LongAdder> requests = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param debug where published events and refused requests are reported for the debug console */
    public RestApi(
            AppRegistry apps,
            Channels channels,
            Connections connections,
            Clock clock,
            RestLatency latency,
            LimitRejections rejections,
            DebugTap debug) {
        this.apps = apps;
        this.debug = debug;
        this.channels = channels;
        this.connections = connections;
        this.cluster = channels.cluster();
        this.clock = clock;
        this.latency = latency;
        this.rejections = rejections;
        this.history = new ChannelHistoryApi(channels);
        this.queries = new ChannelQueries(cluster);
        this.publishing = new EventPublishing(channels, queries, rejections, debug);
    }

    /** Whether {@code path} belongs to this API. */
    public static boolean handles(String path) {
        return path.startsWith("/apps/");
    }

    /** Answers a request; the time to the answer is recorded by endpoint and status. */
    public CompletionStage<ApiResponse> handle(ApiRequest request) {
        long start = System.nanoTime();
        String[] parts = segments(request.rawPath());
        String endpoint = endpoint(parts);
        return answer(request, parts)
                .whenComplete((response, error) -> latency.record(
                        endpoint, response == null ? 500 : response.status(), System.nanoTime() - start));
    }

    /** The segments of a path after its leading {@code /}, split at every {@code /}, empty ones kept. */
    static String[] segments(String path) {
        int n = 1;
        for (int i = 1; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                n++;
            }
        }
        String[] parts = new String[n];
        int from = 1;
        for (int k = 0; k < n; k++) {
            int slash = path.indexOf('/', from);
            int to = slash < 0 ? path.length() : slash;
            parts[k] = path.substring(from, to);
            from = to + 1;
        }
        return parts;
    }

    /**
     * The endpoint template of a path split at its slashes ({@code /apps/{id}/channels/{name}}), or
     * {@code other}: a bounded set, for metrics.
     */
    static String endpoint(String[] parts) {
        if (parts.length < 3 || !parts[0].equals("apps")) {
            return "other";
        }
        String resource = parts[2];
        return switch (parts.length) {
            case 3 ->
                switch (resource) {
                    case "events" -> "/apps/{id}/events";
                    case "batch_events" -> "/apps/{id}/batch_events";
                    case "channels" -> "/apps/{id}/channels";
                    case "connections" -> "/apps/{id}/connections";
                    default -> "other";
                };
            case 4 -> resource.equals("channels") ? "/apps/{id}/channels/{name}" : "other";
            case 5 -> {
                if (resource.equals("channels") && parts[4].equals("users")) {
                    yield "/apps/{id}/channels/{name}/users";
                }
                if (resource.equals("channels") && parts[4].equals("events")) {
                    yield "/apps/{id}/channels/{name}/events";
                }
                yield resource.equals("users") && parts[4].equals("terminate_connections")
                        ? "/apps/{id}/users/{user}/terminate_connections"
                        : "other";
            }
            default -> "other";
        };
    }

    private CompletionStage<ApiResponse> answer(ApiRequest request, String[] parts) {
        if (parts.length < 3) {
            return fail(404, "Not found: " + ClientText.quote(request.rawPath()));
        }
        App app = apps.byId(ApiRequest.decode(parts[1]));
        if (app == null) {
            return fail(404, "Unknown app id: " + ClientText.quote(ApiRequest.decode(parts[1])));
        }
        CompletionStage<ApiResponse> answer = answer(app, request, parts);
        return debug.watching(app.id()) ? reportingErrors(app, request, answer) : answer;
    }

    /** Tells the debug console about every error answer; only while someone watches the app. */
    private CompletionStage<ApiResponse> reportingErrors(
            App app, ApiRequest request, CompletionStage<ApiResponse> answer) {
        return answer.thenApply(r -> {
            if (r.status() >= 400) {
                debug.apiError(app.id(), request.method(), request.rawPath(), r.status(), r.body());
            }
            return r;
        });
    }

    /**
     * Publishes one event as {@code POST /apps/{id}/events} does, for a caller that is trusted
     * already (the dashboard's event creator, behind the admin login): the same body, checks and
     * limits, without a signature.
     */
    public CompletionStage<ApiResponse> triggerTrusted(App app, byte[] body) {
        if (!app.enabled()) {
            return fail(403, "Application is disabled");
        }
        try {
            TriggerBody.Event event = TriggerBody.event(body);
            publishing.validate(app, event, true);
            publishing.publish(app, event);
            return completedFuture(ApiResponse.ok());
        } catch (TriggerBody.BadBody e) {
            return fail(400, e.getMessage());
        } catch (EventPublishing.TooLarge e) {
            return fail(413, e.getMessage());
        }
    }

    private CompletionStage<ApiResponse> answer(App app, ApiRequest request, String[] parts) {
        String repeated = request.repeatedKey();
        if (repeated != null) {
            return fail(400, "Query parameter '" + ClientText.quote(repeated) + "' is given more than once");
        }
        String problem = RequestAuthenticator.problem(app, request, clock.millis() / 1000);
        if (problem != null) {
            log.debug("401 {} {}: {}", request.method(), request.rawPath(), problem);
            return fail(401, problem);
        }
        if (!app.enabled()) {
            return fail(403, "Application is disabled");
        }
        requests.computeIfAbsent(app.id(), a -> new LongAdder()).increment();
        int perSecond = app.limits().restRequestsPerSecond();
        if (perSecond > 0) {
            return cluster.acquireRequest(app.id(), perSecond).thenCompose(ok -> {
                if (ok) {
                    return route(app, request, parts);
                }
                rejections.count(app.id(), Limit.REST_REQUESTS_PER_SECOND);
                return fail(429, "Too many requests: this app may make " + perSecond + " REST requests per second");
            });
        }
        return route(app, request, parts);
    }

    private CompletionStage<ApiResponse> route(App app, ApiRequest request, String[] parts) {
        String method = request.method();
        String resource = parts[2];
        try {
            if (resource.equals("events") && parts.length == 3) {
                return method.equals("POST") ? publishing.events(app, request) : notAllowed(method);
            }
            if (resource.equals("batch_events") && parts.length == 3) {
                return method.equals("POST") ? publishing.batch(app, request) : notAllowed(method);
            }
            if (resource.equals("channels") && parts.length == 3) {
                return method.equals("GET") ? queries.channelsList(app, request) : notAllowed(method);
            }
            if (resource.equals("channels") && parts.length == 4) {
                return method.equals("GET")
                        ? queries.channel(app, ApiRequest.decode(parts[3]), request)
                        : notAllowed(method);
            }
            if (resource.equals("channels") && parts.length == 5 && parts[4].equals("users")) {
                return method.equals("GET") ? queries.users(app, ApiRequest.decode(parts[3])) : notAllowed(method);
            }
            if (resource.equals("channels") && parts.length == 5 && parts[4].equals("events")) {
                return method.equals("GET")
                        ? history.events(app, ApiRequest.decode(parts[3]), request)
                        : notAllowed(method);
            }
            if (resource.equals("connections") && parts.length == 3) {
                return method.equals("GET") ? insight(app) : notAllowed(method);
            }
            if (resource.equals("users") && parts.length == 5 && parts[4].equals("terminate_connections")) {
                return method.equals("POST") ? terminate(app, ApiRequest.decode(parts[3])) : notAllowed(method);
            }
        } catch (TriggerBody.BadBody e) {
            return fail(400, e.getMessage());
        } catch (EventPublishing.TooLarge e) {
            return fail(413, e.getMessage());
        }
        return fail(404, "Not found: " + ClientText.quote(request.rawPath()));
    }

    // --- GET /connections (Switchboard's own: what this node's clients use) ----------------------

    private CompletionStage<ApiResponse> insight(App app) {
        Connections.Insight i = connections.insight(app.id());
        return completedFuture(new ApiResponse(200, ApiResponse.json(g -> {
            g.writeNumberField("connections", i.connections());
            for (var group : List.of(
                    Map.entry("transports", i.transports()),
                    Map.entry("protocols", i.protocols()),
                    Map.entry("clients", i.clients()))) {
                g.writeObjectFieldStart(group.getKey());
                for (var e : group.getValue().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
        })));
    }

    /** Authenticated REST requests of an app since start. */
    public long requests(String appId) {
        LongAdder n = requests.get(appId);
        return n == null ? 0 : n.sum();
    }

    // --- POST /users/{id}/terminate_connections ----------------------------------------------------

    private CompletionStage<ApiResponse> terminate(App app, String userId) throws TriggerBody.BadBody {
        if (userId.isEmpty() || userId.length() > app.limits().maxUserIdLength()) {
            throw new TriggerBody.BadBody("Invalid user id");
        }
        channels.terminateUser(app.id(), userId);
        return completedFuture(ApiResponse.ok());
    }

    // --- helpers -----------------------------------------------------------------------------------

    static void checkName(App app, String name) throws TriggerBody.BadBody {
        String problem = ChannelNames.problem(name, app.limits().maxChannelNameLength());
        if (problem != null) {
            throw new TriggerBody.BadBody(problem);
        }
    }

    private static CompletionStage<ApiResponse> fail(int status, String message) {
        return completedFuture(ApiResponse.error(status, message));
    }

    private static CompletionStage<ApiResponse> notAllowed(String method) {
        return fail(405, "Method " + method + " is not allowed here");
    }
}
