package io.switchboard.api;

import static java.util.concurrent.CompletableFuture.completedFuture;

import com.fasterxml.jackson.core.JsonGenerator;
import io.switchboard.app.App;
import io.switchboard.channel.ClusterState;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import io.switchboard.protocol.ChannelType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /apps/{id}/channels}, {@code /channels/{name}} and {@code /channels/{name}/users}
 * (pusher-protocol.md §7.4-§7.6), and the {@code info} attributes of a trigger: read from the
 * cluster-wide state, so every node answers the same.
 */
final class ChannelQueries {
    private final ClusterState cluster;

    ChannelQueries(ClusterState cluster) {
        this.cluster = cluster;
    }

    /** Requested attributes per channel of an event, for the {@code info} parameter. */
    CompletionStage<Map<String, Map<String, Long>>> info(App app, TriggerBody.Event e) {
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

    static void writeChannelInfo(JsonGenerator g, Map<String, Map<String, Long>> attrs) throws IOException {
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

    CompletionStage<ApiResponse> channelsList(App app, ApiRequest request) throws TriggerBody.BadBody {
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
        return cluster.occupied(app.id(), prefix).thenCompose(occupied -> {
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

    CompletionStage<ApiResponse> channel(App app, String name, ApiRequest request) throws TriggerBody.BadBody {
        RestApi.checkName(app, name);
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
        CompletionStage<Long> count = cluster.subscriptionCount(key);
        CompletionStage<Map<String, Long>> attrs = attributes(key, wanted, true);
        CompletionStage<byte[]> cached = wanted.contains("cache") ? cluster.cached(key) : completedFuture(null);
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

    CompletionStage<ApiResponse> users(App app, String name) throws TriggerBody.BadBody {
        RestApi.checkName(app, name);
        if (!ChannelType.of(name).presence()) {
            throw new TriggerBody.BadBody("Users are only available on presence channels");
        }
        return cluster.members(new ChannelKey(app.id(), name))
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

    /**
     * The requested counts of one channel: {@code subscription_count} always when asked, {@code
     * user_count} on presence channels (silently skipped elsewhere unless {@code strict}).
     */
    private CompletionStage<Map<String, Long>> attributes(ChannelKey key, Set<String> wanted, boolean strict) {
        boolean presence = ChannelType.of(key.name()).presence();
        CompletionStage<Long> users = wanted.contains("user_count") && (presence || strict)
                ? cluster.userCount(key).thenApply(Integer::longValue)
                : completedFuture(null);
        CompletionStage<Long> subs =
                wanted.contains("subscription_count") ? cluster.subscriptionCount(key) : completedFuture(null);
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
}
