package io.switchboard.broker;

/**
 * Names of every Redis key and pub/sub channel the Redis broker uses. All start with the configured
 * prefix ({@code switchboard:} by default).
 *
 * <p>Every key of one app carries the app id as its Redis Cluster hash tag ({@code {appId}}), so
 * they share one hash slot and a Lua script can change an app's presence, counts and connections
 * atomically. Pub/sub channels and cache keys carry no tag: they spread over the cluster. A history
 * channel's stream and serial carry its pub/sub channel's whole name as their tag, so they share its
 * slot: the script that publishes an event also stores it and gives it its serial, which on a Redis
 * Cluster must touch only one slot ({@code SPUBLISH} included).
 *
 * <pre>
 * {app}:subs                  hash  channel -> subscriptions on every node
 * {app}:node:N:subs           hash  channel -> subscriptions on node N
 * {app}:presence:CH           hash  node:socket -> user id (one field per connection)
 * {app}:users:CH              hash  user id -> number of that user's connections
 * {app}:info:CH               hash  user id -> user_info JSON ("" for none)
 * {app}:node:N:presence       hash  channel:socket -> user id (what node N holds, for reaping)
 * {app}:left:CH:USER          string departure mark of a user, with a TTL
 * {app}:vacant:CH             string vacancy mark of a channel, with a TTL
 * {app}:connections           hash  node -> open connections of the app on that node
 * cache:app:CH                string the cache channel's last frame, with a TTL
 * node:N:apps                 set   apps node N has state in
 * {nodes}                     zset  node -> heartbeat expiry (Redis time, ms)
 * {nodes}:reaping             zset  node -> deadline of the node reaping it
 * history:{msg:app:CH}       stream  a history channel's retained events (ID = serial, fields
 *                                     f = frame, t = Redis time in ms), with a TTL of the rule's age
 * serial:{msg:app:CH}        string  a history channel's last serial, with a TTL well beyond it
 * msg:app:CH                  pub/sub channel of one Pusher channel
 * control                     pub/sub channel of node-wide commands
 * </pre>
 *
 * <p>App ids and node ids never contain {@code :}, {@code {} or {@code }} (config validation
 * guarantees it), nor do client channel names (the channel-name rules); the server's internal
 * names ({@code #user:ID}, {@code #watch:ID}) do contain {@code :}, but only after the app id, so
 * these names cannot collide. Socket ids ({@code N.M}) never contain {@code :}: a {@code
 * channel:socket} field is split at its last one.
 */
final class RedisKeys {
    private final String prefix;

    RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    /** The common start of every key of {@code appId}; the Lua scripts append the rest. */
    String app(String appId) {
        return prefix + "{" + appId + "}:";
    }

    String subscriptions(String appId) {
        return app(appId) + "subs";
    }

    String nodeSubscriptions(String appId, String nodeId) {
        return app(appId) + "node:" + nodeId + ":subs";
    }

    String presence(ChannelKey channel) {
        return app(channel.appId()) + "presence:" + channel.name();
    }

    String users(ChannelKey channel) {
        return app(channel.appId()) + "users:" + channel.name();
    }

    String info(ChannelKey channel) {
        return app(channel.appId()) + "info:" + channel.name();
    }

    String departure(ChannelKey channel, String userId) {
        return app(channel.appId()) + "left:" + channel.name() + ":" + userId;
    }

    String vacancy(ChannelKey channel) {
        return app(channel.appId()) + "vacant:" + channel.name();
    }

    String nodePresence(String appId, String nodeId) {
        return app(appId) + "node:" + nodeId + ":presence";
    }

    String requestRate(String appId) {
        return app(appId) + "rate";
    }

    String connections(String appId) {
        return app(appId) + "connections";
    }

    String cache(ChannelKey channel) {
        return prefix + "cache:" + channel.appId() + ":" + channel.name();
    }

    /** A history channel's stream: in the slot of {@link #messages}, whose whole name is its tag. */
    String history(ChannelKey channel) {
        return prefix + "history:{" + messages(channel) + "}";
    }

    /** A history channel's last serial, in the same slot as {@link #history}. */
    String serial(ChannelKey channel) {
        return prefix + "serial:{" + messages(channel) + "}";
    }

    String nodeApps(String nodeId) {
        return prefix + "node:" + nodeId + ":apps";
    }

    String nodes() {
        return prefix + "{nodes}";
    }

    String reaping() {
        return prefix + "{nodes}:reaping";
    }

    String messages(ChannelKey channel) {
        return prefix + "msg:" + channel.appId() + ":" + channel.name();
    }

    String control() {
        return prefix + "control";
    }

    /** The channel a {@link #messages} name belongs to, or {@code null} for any other name. */
    ChannelKey channelOf(String pubSubChannel) {
        String start = prefix + "msg:";
        if (!pubSubChannel.startsWith(start)) {
            return null;
        }
        int colon = pubSubChannel.indexOf(':', start.length());
        if (colon < 0) {
            return null;
        }
        return new ChannelKey(pubSubChannel.substring(start.length(), colon), pubSubChannel.substring(colon + 1));
    }
}
