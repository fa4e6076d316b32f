package io.switchboard.api;

import static java.util.concurrent.CompletableFuture.completedFuture;

import com.fasterxml.jackson.core.JsonGenerator;
import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.AppRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.broker.ChannelKey;
import io.switchboard.broker.Command;
import io.switchboard.broker.Member;
import io.switchboard.channel.Channels;
import io.switchboard.connection.Connections;
import io.switchboard.debug.DebugTap;
import io.switchboard.metrics.Limit;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.metrics.RestLatency;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ClientText;
import io.switchboard.protocol.ServerFrames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP REST API under {@code /apps/{app_id}} (pusher-protocol.md §7). Every response is JSON,
 * errors as {@code {"error": "..."}} with the documented status. Handlers never block.
 */
public final class RestApi {
    private static final Logger log = LoggerFactory.getLogger("switchboard.api");
    private static final Pattern SOCKET_ID = Pattern.compile("\\d+\\.\\d+");
    private static final Set<String> EVENT_INFO = Set.of("user_count", "subscription_count");

    private final AppRegistry apps;
    private final Channels channels;
    private final Broker broker;
    private final Connections connections;
    private final Clock clock;
    private final RestLatency latency;
    private final LimitRejections rejections;
    private final DebugTap debug;
    private final ChannelHistoryApi history;
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
        this.broker = channels.broker();
        this.clock = clock;
        this.latency = latency;
        this.rejections = rejections;
        this.history = new ChannelHistoryApi(channels);
    }

    /** Whether {@code path} belongs to this API. */
    public static boolean handles(String path) {
        return path.startsWith("/apps/");
    }

    /** Answers a request; the time to the answer is recorded by endpoint and status. */
    public CompletionStage<ApiResponse> handle(ApiRequest request) {
        long start = System.nanoTime();
        String[] parts = request.rawPath().substring(1).split("/", -1);
        String endpoint = endpoint(parts);
        return answer(request, parts)
                .whenComplete((response, error) -> latency.record(
                        endpoint, response == null ? 500 : response.status(), System.nanoTime() - start));
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
            return fail(404, "Not found: " + request.rawPath());
        }
        App app = apps.byId(ApiRequest.decode(parts[1]));
        if (app == null) {
            return fail(404, "Unknown app id: " + ApiRequest.decode(parts[1]));
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
            validate(app, event, true);
            publish(app, event);
            return completedFuture(ApiResponse.ok());
        } catch (TriggerBody.BadBody e) {
            return fail(400, e.getMessage());
        } catch (TooLarge e) {
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
            return broker.counts().acquireRequest(app.id(), perSecond).thenCompose(ok -> {
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
                return method.equals("POST") ? events(app, request) : notAllowed(method);
            }
            if (resource.equals("batch_events") && parts.length == 3) {
                return method.equals("POST") ? batch(app, request) : notAllowed(method);
            }
            if (resource.equals("channels") && parts.length == 3) {
                return method.equals("GET") ? channelsList(app, request) : notAllowed(method);
            }
            if (resource.equals("channels") && parts.length == 4) {
                return method.equals("GET") ? channel(app, ApiRequest.decode(parts[3]), request) : notAllowed(method);
            }
            if (resource.equals("channels") && parts.length == 5 && parts[4].equals("users")) {
                return method.equals("GET") ? users(app, ApiRequest.decode(parts[3])) : notAllowed(method);
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
        } catch (TooLarge e) {
            return fail(413, e.getMessage());
        }
        return fail(404, "Not found: " + request.rawPath());
    }

    // --- POST /events and /batch_events ------------------------------------------------------------

    private CompletionStage<ApiResponse> events(App app, ApiRequest request) throws TriggerBody.BadBody, TooLarge {
        TriggerBody.Event event = TriggerBody.event(request.body());
        validate(app, event, true);
        publish(app, event);
        if (event.info() == null || event.info().isBlank()) {
            return completedFuture(ApiResponse.ok());
        }
        return info(app, event)
                .thenApply(attrs -> new ApiResponse(200, ApiResponse.json(g -> writeChannelInfo(g, attrs))));
    }

    private CompletionStage<ApiResponse> batch(App app, ApiRequest request) throws TriggerBody.BadBody, TooLarge {
        List<TriggerBody.Event> events = TriggerBody.batch(request.body());
        if (events.size() > app.limits().maxBatchSize()) {
            rejections.count(app.id(), Limit.MAX_BATCH_SIZE);
            throw new TriggerBody.BadBody("Batch has "
                    + events.size()
                    + " events; the maximum is "
                    + app.limits().maxBatchSize());
        }
        for (int i = 0; i < events.size(); i++) {
            try {
                validate(app, events.get(i), false);
            } catch (TriggerBody.BadBody e) {
                throw new TriggerBody.BadBody("batch[" + i + "]: " + e.getMessage());
            } catch (TooLarge e) {
                throw new TooLarge("batch[" + i + "]: " + e.getMessage());
            }
        }
        boolean anyInfo = false;
        for (TriggerBody.Event event : events) {
            publish(app, event);
            anyInfo |= event.info() != null && !event.info().isBlank();
        }
        if (!anyInfo) {
            return completedFuture(ApiResponse.ok());
        }
        List<CompletableFuture<Map<String, Map<String, Long>>>> infos = new ArrayList<>();
        for (TriggerBody.Event event : events) {
            infos.add(
                    event.info() == null || event.info().isBlank()
                            ? CompletableFuture.completedFuture(Map.of())
                            : info(app, event).toCompletableFuture());
        }
        return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
                .thenApply(v -> new ApiResponse(200, ApiResponse.json(g -> {
                    g.writeArrayFieldStart("batch");
                    for (var f : infos) {
                        Map<String, Long> attrs =
                                f.join().values().stream().findFirst().orElse(Map.of());
                        g.writeStartObject();
                        for (var a : attrs.entrySet()) {
                            g.writeNumberField(a.getKey(), a.getValue());
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                })));
    }

    private void validate(App app, TriggerBody.Event e, boolean multiChannel) throws TriggerBody.BadBody, TooLarge {
        AppLimits limits = app.limits();
        if (e.name() == null || e.name().isEmpty()) {
            throw new TriggerBody.BadBody("Missing event name ('name')");
        }
        if (e.name().length() > limits.maxEventNameLength()) {
            rejections.count(app.id(), Limit.MAX_EVENT_NAME_LENGTH);
            throw new TriggerBody.BadBody("Event name is longer than " + limits.maxEventNameLength() + " characters");
        }
        if (e.data() == null) {
            throw new TriggerBody.BadBody("Missing event data ('data')");
        }
        int size = e.data().getBytes(StandardCharsets.UTF_8).length;
        if (size > limits.maxPayloadBytes()) {
            rejections.count(app.id(), Limit.MAX_PAYLOAD_BYTES);
            throw new TooLarge("Event data is " + size + " bytes; the maximum is " + limits.maxPayloadBytes());
        }
        if (e.channels().isEmpty()) {
            throw new TriggerBody.BadBody(multiChannel ? "Missing 'channels' (or 'channel')" : "Missing 'channel'");
        }
        if (!multiChannel && e.channels().size() > 1) {
            throw new TriggerBody.BadBody("A batch event has exactly one 'channel'");
        }
        if (e.channels().size() > limits.maxChannelsPerEvent()) {
            rejections.count(app.id(), Limit.MAX_CHANNELS_PER_EVENT);
            throw new TriggerBody.BadBody(
                    "Too many channels: " + e.channels().size() + "; the maximum is " + limits.maxChannelsPerEvent());
        }
        for (String channel : e.channels()) {
            String problem = ChannelNames.problem(channel, limits.maxChannelNameLength());
            if (problem != null) {
                if (channel.length() > limits.maxChannelNameLength()) {
                    rejections.count(app.id(), Limit.MAX_CHANNEL_NAME_LENGTH);
                }
                throw new TriggerBody.BadBody(problem);
            }
            if (e.channels().size() > 1 && ChannelType.of(channel).encrypted()) {
                throw new TriggerBody.BadBody(
                        "Events to encrypted channels (" + channel + ") must target a single channel");
            }
        }
        if (e.socketId() != null && !SOCKET_ID.matcher(e.socketId()).matches()) {
            throw new TriggerBody.BadBody("Invalid socket_id: " + e.socketId());
        }
        if (e.info() != null && !e.info().isBlank()) {
            for (String attr : e.info().split(",")) {
                if (!EVENT_INFO.contains(attr.strip())) {
                    throw new TriggerBody.BadBody(
                            "Unknown info attribute '" + attr.strip() + "'; use user_count, subscription_count");
                }
            }
        }
    }

    private void publish(App app, TriggerBody.Event e) {
        debug.apiMessage(app.id(), e.channels(), e.name(), e.data(), e.socketId());
        for (String channel : e.channels()) {
            ChannelType type = ChannelType.of(channel);
            channels.publishApiEvent(
                    new ChannelKey(app.id(), channel),
                    type,
                    ServerFrames.event(e.name(), channel, e.data()),
                    e.socketId(),
                    app.limits().cacheTtlSeconds());
        }
    }

    /** Requested attributes per channel of an event, for the {@code info} parameter. */
    private CompletionStage<Map<String, Map<String, Long>>> info(App app, TriggerBody.Event e) {
        Set<String> wanted = attributes(e.info());
        Map<String, CompletableFuture<Map<String, Long>>> perChannel = new LinkedHashMap<>();
        for (String channel : e.channels()) {
            perChannel.put(
                    channel,
                    attributes(new ChannelKey(app.id(), channel), wanted, false).toCompletableFuture());
        }
        return CompletableFuture.allOf(perChannel.values().toArray(CompletableFuture[]::new))
                .thenApply(v -> {
                    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
                    perChannel.forEach((k, f) -> out.put(k, f.join()));
                    return out;
                });
    }

    private static void writeChannelInfo(JsonGenerator g, Map<String, Map<String, Long>> attrs) throws IOException {
        g.writeObjectFieldStart("channels");
        for (var channel : attrs.entrySet()) {
            g.writeObjectFieldStart(channel.getKey());
            for (var a : channel.getValue().entrySet()) {
                g.writeNumberField(a.getKey(), a.getValue());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    // --- GET /channels, /channels/{name}, /channels/{name}/users -----------------------------------

    private CompletionStage<ApiResponse> channelsList(App app, ApiRequest request) throws TriggerBody.BadBody {
        String prefix = request.param("filter_by_prefix");
        prefix = prefix == null ? "" : prefix;
        Set<String> wanted = attributes(request.param("info"));
        for (String attr : wanted) {
            if (!attr.equals("user_count") && !attr.equals("subscription_count")) {
                throw new TriggerBody.BadBody(
                        "Unknown info attribute '" + attr + "'; use user_count, subscription_count");
            }
        }
        if (wanted.contains("user_count") && !prefix.startsWith("presence-")) {
            throw new TriggerBody.BadBody("user_count may only be requested with filter_by_prefix=presence-");
        }
        return broker.counts().occupied(app.id(), prefix).thenCompose(occupied -> {
            Map<String, CompletableFuture<Map<String, Long>>> perChannel = new LinkedHashMap<>();
            occupied.forEach((name, count) -> perChannel.put(
                    name,
                    attributes(new ChannelKey(app.id(), name), wanted, false).toCompletableFuture()));
            return CompletableFuture.allOf(perChannel.values().toArray(CompletableFuture[]::new))
                    .thenApply(v -> {
                        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
                        perChannel.forEach((k, f) -> out.put(k, f.join()));
                        return new ApiResponse(200, ApiResponse.json(g -> writeChannelInfo(g, out)));
                    });
        });
    }

    private CompletionStage<ApiResponse> channel(App app, String name, ApiRequest request) throws TriggerBody.BadBody {
        checkName(app, name);
        Set<String> wanted = attributes(request.param("info"));
        ChannelType type = ChannelType.of(name);
        for (String attr : wanted) {
            switch (attr) {
                case "user_count" -> {
                    if (!type.presence()) {
                        throw new TriggerBody.BadBody("user_count is only available on presence channels");
                    }
                }
                case "subscription_count" -> {}
                case "cache" -> {
                    if (!type.cache()) {
                        throw new TriggerBody.BadBody("cache is only available on cache channels");
                    }
                }
                default ->
                    throw new TriggerBody.BadBody(
                            "Unknown info attribute '" + attr + "'; use user_count, subscription_count, cache");
            }
        }
        ChannelKey key = new ChannelKey(app.id(), name);
        CompletionStage<Long> count = broker.counts().count(key);
        CompletionStage<Map<String, Long>> attrs = attributes(key, wanted, true);
        CompletionStage<byte[]> cached =
                wanted.contains("cache") ? broker.cache().get(key) : completedFuture(null);
        return count.thenCombine(attrs.thenCombine(cached, (a, c) -> new Object[] {a, c}), (n, pair) -> {
            @SuppressWarnings("unchecked")
            Map<String, Long> a = (Map<String, Long>) pair[0];
            byte[] c = (byte[]) pair[1];
            return new ApiResponse(200, ApiResponse.json(g -> {
                g.writeBooleanField("occupied", n > 0);
                for (var e : a.entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                if (c != null) {
                    g.writeFieldName("cache");
                    g.writeRawValue(new String(c, StandardCharsets.UTF_8));
                }
            }));
        });
    }

    private CompletionStage<ApiResponse> users(App app, String name) throws TriggerBody.BadBody {
        checkName(app, name);
        if (!ChannelType.of(name).presence()) {
            throw new TriggerBody.BadBody("Users are only available on presence channels");
        }
        return broker.presence()
                .members(new ChannelKey(app.id(), name))
                .thenApply(members -> new ApiResponse(200, ApiResponse.json(g -> {
                    g.writeArrayFieldStart("users");
                    for (Member m : members) {
                        g.writeStartObject();
                        g.writeStringField("id", m.userId());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                })));
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
        broker.broadcast(new Command.TerminateUser(app.id(), userId));
        return completedFuture(ApiResponse.ok());
    }

    // --- helpers -----------------------------------------------------------------------------------

    /**
     * The requested counts of one channel: {@code subscription_count} always when asked, {@code
     * user_count} on presence channels (silently skipped elsewhere unless {@code strict}).
     */
    private CompletionStage<Map<String, Long>> attributes(ChannelKey key, Set<String> wanted, boolean strict) {
        boolean presence = ChannelType.of(key.name()).presence();
        CompletionStage<Long> users = wanted.contains("user_count") && (presence || strict)
                ? broker.presence().userCount(key).thenApply(Integer::longValue)
                : completedFuture(null);
        CompletionStage<Long> subs =
                wanted.contains("subscription_count") ? broker.counts().count(key) : completedFuture(null);
        return users.thenCombine(subs, (u, s) -> {
            Map<String, Long> out = new LinkedHashMap<>();
            if (u != null) {
                out.put("user_count", u);
            }
            if (s != null) {
                out.put("subscription_count", s);
            }
            return out;
        });
    }

    private static Set<String> attributes(String info) {
        if (info == null || info.isBlank()) {
            return Set.of();
        }
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String a : info.split(",")) {
            if (!a.isBlank()) {
                out.add(a.strip());
            }
        }
        return out;
    }

    private static void checkName(App app, String name) throws TriggerBody.BadBody {
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

    /** A payload over the app's size limit; answered with 413. */
    static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message, null, false, false);
        }
    }
}
