package io.switchboard.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.channel.ClusterState;
import io.switchboard.connection.Connections;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Member;
import io.switchboard.protocol.ChannelType;
import io.switchboard.webhook.WebhookSender;
import io.switchboard.webhook.Webhooks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads an app's live state for operators: this node's connections, the cluster's occupied
 * channels and presence members (from the broker's stores, so every node answers the same), and
 * this node's recent webhook deliveries. Every read is bounded and never blocks: answers come as
 * {@link CompletionStage}s, for the admin API and for any other operator view.
 */
public final class LiveState {
    /** Channels listed in one answer at most; the total is always given. */
    private static final int MAX_CHANNELS = 100;

    static final int MAX_MEMBERS = 1000;
    private static final int MAX_DELIVERIES = 20;

    private final Connections connections;
    private final ClusterState cluster;
    private final Webhooks webhooks;
    private final String nodeId;

    /**
     * @param webhooks webhook delivery, or {@code null} when this node has none
     * @param nodeId this node's id, shown with the per-node figures
     */
    public LiveState(Connections connections, ClusterState cluster, Webhooks webhooks, String nodeId) {
        this.connections = connections;
        this.cluster = cluster;
        this.webhooks = webhooks;
        this.nodeId = nodeId;
    }

    /**
     * @param node the node these per-node figures are from
     * @param connections this node's connections of the app, by transport, protocol and client
     * @param occupiedChannels channels with subscribers anywhere in the cluster
     * @param channels the first {@link #MAX_CHANNELS} of them by name
     */
    public record AppState(
            String appId,
            String node,
            Connections.Insight connections,
            int occupiedChannels,
            List<ChannelState> channels,
            WebhookState webhooks) {
        /**
         * The channels as the admin API and the dashboard show them: {@code occupied}, {@code list}
         * ({@code name}, {@code subscription_count}, {@code user_count} on presence channels) and
         * {@code truncated}.
         */
        public ObjectNode channelsToJson(ObjectMapper json) {
            ObjectNode out = json.createObjectNode();
            out.put("occupied", occupiedChannels);
            ArrayNode list = out.putArray("list");
            for (ChannelState c : channels) {
                ObjectNode row = list.addObject();
                row.put("name", c.name());
                row.put("subscription_count", c.subscriptionCount());
                if (c.userCount() != null) {
                    row.put("user_count", c.userCount());
                }
            }
            out.put("truncated", occupiedChannels > channels.size());
            return out;
        }
    }

    /** @param userCount distinct users, for presence channels; {@code null} for others */
    public record ChannelState(String name, long subscriptionCount, Integer userCount) {}

    /** Counters since this node started, and its last deliveries (newest first). */
    public record WebhookState(
            long delivered, long retried, long failed, long queued, List<WebhookSender.Delivery> recent) {}

    /** @param members the first {@code limit} members */
    public record Members(String channel, int userCount, List<Member> members) {
        /**
         * The members as the admin API and the dashboard show them: {@code channel}, {@code
         * user_count}, {@code members} ({@code id}, {@code info} as JSON when it parses) and {@code
         * truncated}.
         */
        public ObjectNode toJson(ObjectMapper json) {
            ObjectNode out = json.createObjectNode();
            out.put("channel", channel);
            out.put("user_count", userCount);
            ArrayNode list = out.putArray("members");
            for (Member member : members) {
                ObjectNode o = list.addObject();
                o.put("id", member.userId());
                if (member.userInfo() != null) {
                    try {
                        o.set("info", json.readTree(member.userInfo()));
                    } catch (JsonProcessingException e) {
                        o.put("info", member.userInfo());
                    }
                }
            }
            out.put("truncated", userCount > members.size());
            return out;
        }
    }

    public CompletionStage<AppState> app(String appId) {
        return cluster.occupied(appId, "").thenCompose(occupied -> {
            Map<String, Long> sorted = new TreeMap<>(occupied);
            List<String> names = new ArrayList<>(sorted.keySet());
            if (names.size() > MAX_CHANNELS) {
                names = names.subList(0, MAX_CHANNELS);
            }
            List<CompletableFuture<ChannelState>> channels = new ArrayList<>();
            for (String name : names) {
                long subscriptions = sorted.get(name);
                if (ChannelType.of(name).presence()) {
                    channels.add(cluster.userCount(new ChannelKey(appId, name))
                            .thenApply(users -> new ChannelState(name, subscriptions, users))
                            .toCompletableFuture());
                } else {
                    channels.add(CompletableFuture.completedFuture(new ChannelState(name, subscriptions, null)));
                }
            }
            return CompletableFuture.allOf(channels.toArray(CompletableFuture[]::new))
                    .thenApply(v -> new AppState(
                            appId,
                            nodeId,
                            connections.insight(appId),
                            sorted.size(),
                            channels.stream().map(CompletableFuture::join).toList(),
                            webhooks(appId)));
        });
    }

    private WebhookState webhooks(String appId) {
        if (webhooks == null) {
            return new WebhookState(0, 0, 0, 0, List.of());
        }
        Webhooks.Stats s = webhooks.stats(appId);
        return new WebhookState(
                s.delivered(), s.retried(), s.failed(), s.queued(), webhooks.recentDeliveries(appId, MAX_DELIVERIES));
    }

    /** The members of a presence channel, cluster-wide; at most {@code limit} of them. */
    public CompletionStage<Members> members(String appId, String channel, int limit) {
        return cluster.members(new ChannelKey(appId, channel)).thenApply(all -> {
            List<Member> sorted = new ArrayList<>(all);
            sorted.sort(java.util.Comparator.comparing(Member::userId));
            return new Members(channel, all.size(), sorted.size() > limit ? sorted.subList(0, limit) : sorted);
        });
    }
}
