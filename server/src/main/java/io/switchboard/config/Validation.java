package io.switchboard.config;

import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.HistoryRule;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a bound configuration for values that cannot work, naming the key that is wrong. The
 * checks of one app are shared with the admin API, so an app is held to the same rules and gets
 * the same messages whether it comes from the file or from an API call.
 */
public final class Validation {
    private static final Pattern CREDENTIAL = Pattern.compile("[A-Za-z0-9_.\\-]+");
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.\\-]*");
    /** A channel name's characters (pusher-protocol.md), plus {@code *}. */
    private static final Pattern HISTORY_CHANNELS = Pattern.compile("[A-Za-z0-9_\\-=@,.;*]+");

    /** The most history rules one app may have. */
    public static final int MAX_HISTORY_RULES = 50;

    /** An HTTP token (RFC 9110 §5.6.2). */
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    /** Hop-by-hop and framing headers: the JDK client refuses some, and the others corrupt the request. */
    private static final Set<String> CONNECTION_HEADERS = Set.of(
            "host",
            "connection",
            "content-length",
            "expect",
            "upgrade",
            "transfer-encoding",
            "keep-alive",
            "proxy-connection",
            "te",
            "trailer");
    /** What every webhook carries already; a second value would fail the receiver's checks. */
    private static final Set<String> PUSHER_HEADERS = Set.of("content-type", "x-pusher-key", "x-pusher-signature");

    static final Set<String> WEBHOOK_EVENTS = Set.of(
            "channel_occupied",
            "channel_vacated",
            "member_added",
            "member_removed",
            "client_event",
            "cache_miss",
            "subscription_count");

    private Validation() {}

    static void validate(SwitchboardConfig config, String source) {
        ServerSettings s = config.server();
        check(source, "server.port", s.port() >= 0 && s.port() <= 65535, "must be 0..65535");
        check(source, "server.host", s.host() != null && !s.host().isBlank(), "must not be empty");
        check(source, "server.activity_timeout", s.activityTimeout() >= 1, "must be at least 1");
        check(source, "server.pong_timeout", s.pongTimeout() >= 1, "must be at least 1");
        check(source, "server.max_frame_bytes", s.maxFrameBytes() >= 1024, "must be at least 1024");
        check(source, "server.max_request_body_bytes", s.maxRequestBodyBytes() >= 1024, "must be at least 1024");
        check(source, "server.io_threads", s.ioThreads() >= 0, "must be 0 (one per core) or more");
        check(
                source,
                "server.io",
                Set.of("auto", "epoll", "io_uring", "nio").contains(s.io()),
                "must be auto, epoll, io_uring or nio");
        check(
                source,
                "server.write_buffer_low_water_mark",
                s.writeBufferLowWaterMark() > 0 && s.writeBufferLowWaterMark() < s.writeBufferHighWaterMark(),
                "must be positive and below write_buffer_high_water_mark");
        check(source, "server.slow_consumer_timeout", s.slowConsumerTimeout() >= 0, "must be 0 or more");
        check(source, "server.shutdown_timeout", s.shutdownTimeout() >= 1, "must be at least 1");
        check(
                source,
                "server.shutdown_spread",
                s.shutdownSpread() >= 0 && s.shutdownSpread() < s.shutdownTimeout(),
                "must be 0 or more and below server.shutdown_timeout");
        check(source, "server.request_timeout", s.requestTimeout() >= 1, "must be at least 1");
        check(source, "server.idle_timeout", s.idleTimeout() >= 1, "must be at least 1");
        check(source, "server.stalled_reader_timeout", s.stalledReaderTimeout() >= 1, "must be at least 1");
        check(source, "server.fallback_disconnect_delay", s.fallbackDisconnectDelay() >= 1, "must be at least 1");
        check(
                source,
                "server.max_fallback_sessions_per_address",
                s.maxFallbackSessionsPerAddress() >= 0,
                "must be 0 (unlimited) or more");

        AdminSettings admin = config.admin();
        if (admin.enabled()) {
            check(source, "admin.port", admin.port() >= 0 && admin.port() <= 65535, "must be 0..65535");
            check(source, "admin.host", admin.host() != null && !admin.host().isBlank(), "must not be empty");
            check(
                    source,
                    "admin.port",
                    admin.port() == 0 || admin.port() != s.port(),
                    "must differ from server.port: admin endpoints are never served on the public port");
            check(
                    source,
                    "admin.token",
                    admin.requiresToken() || admin.loopbackOnly(),
                    "must be set when admin.host is not a loopback address");
            check(
                    source,
                    "admin.token",
                    !admin.requiresToken() || admin.token().length() >= 16,
                    "must be at least 16 characters");
            DashboardSettings d = admin.dashboard();
            check(source, "admin.dashboard", d != null, "must not be empty");
            boolean user = d.user() != null && !d.user().isEmpty();
            boolean password = d.password() != null && !d.password().isEmpty();
            check(
                    source,
                    "admin.dashboard.password",
                    user == password,
                    "user and password are set together or not at all");
            check(
                    source,
                    "admin.dashboard.password",
                    !password || d.password().length() >= 12,
                    "must be at least 12 characters");
            check(
                    source,
                    "admin.dashboard.session_minutes",
                    d.sessionMinutes() >= 1 && d.sessionMinutes() <= 10_080,
                    "must be 1..10080 (a week)");
            check(source, "admin.dashboard.max_viewers", d.maxViewers() >= 0, "must be 0 (no console) or more");
            check(source, "admin.dashboard.max_viewers_per_app", d.maxViewersPerApp() >= 1, "must be at least 1");
            check(
                    source,
                    "admin.dashboard.viewer_events_per_second",
                    d.viewerEventsPerSecond() >= 1 && d.viewerEventsPerSecond() <= 10_000,
                    "must be 1..10000");
            check(
                    source,
                    "admin.dashboard.events_per_second_per_app",
                    d.eventsPerSecondPerApp() >= 1 && d.eventsPerSecondPerApp() <= 100_000,
                    "must be 1..100000");
            check(
                    source,
                    "admin.dashboard.viewer_timeout_minutes",
                    d.viewerTimeoutMinutes() >= 1,
                    "must be at least 1");
        }

        TlsSettings tls = config.tls();
        check(source, "tls.port", tls.port() >= 0 && tls.port() <= 65535, "must be 0 (off) or a port");
        check(
                source,
                "tls.port",
                tls.port() == 0 || tls.port() != s.port() || s.port() == 0,
                "must differ from server.port");
        if (tls.port() > 0 && !tls.dev()) {
            check(source, "tls.cert_file", readable(tls.certFile()), "must name a readable PEM certificate file");
            check(source, "tls.key_file", readable(tls.keyFile()), "must name a readable PEM private key file");
        }

        WebhookSettings hooks = config.webhooks();
        positive(source, "webhooks.batch_max_events", hooks.batchMaxEvents());
        check(source, "webhooks.batch_max_delay_ms", hooks.batchMaxDelayMs() >= 0, "must be 0 or more");
        check(source, "webhooks.removal_delay_ms", hooks.removalDelayMs() >= 0, "must be 0 or more");
        positive(source, "webhooks.timeout_ms", hooks.timeoutMs());
        positive(source, "webhooks.retry_initial_ms", hooks.retryInitialMs());
        check(
                source,
                "webhooks.retry_max_ms",
                hooks.retryMaxMs() >= hooks.retryInitialMs(),
                "must be at least webhooks.retry_initial_ms");
        check(source, "webhooks.retry_for_seconds", hooks.retryForSeconds() >= 0, "must be 0 or more");
        check(
                source,
                "webhooks.data_dir",
                hooks.dataDir() != null && !hooks.dataDir().isBlank(),
                "must not be empty");
        check(
                source,
                "webhooks.sync",
                Set.of("always", "every_second", "never").contains(hooks.sync()),
                "must be always, every_second or never");
        check(
                source,
                "webhooks.max_backlog_bytes",
                hooks.maxBacklogBytes() >= 1024,
                "must be at least 1024 (bytes of waiting batches per target)");

        broker(config.broker(), s, source);

        var logging = config.logging();
        check(source, "logging.level", LEVELS.contains(lower(logging.level())), "must be one of " + LEVELS);
        logging.levels()
                .forEach((area, level) -> check(
                        source, "logging.levels." + area, LEVELS.contains(lower(level)), "must be one of " + LEVELS));
        check(
                source,
                "logging.format",
                "text".equals(logging.format()) || "json".equals(logging.format()),
                "must be text or json");

        appStore(config.appStore(), source);

        Map<String, Integer> ids = new HashMap<>();
        Map<String, Integer> keys = new HashMap<>();
        for (int i = 0; i < config.apps().size(); i++) {
            App app = config.apps().get(i);
            String at = "apps[" + i + "]";
            app(source, at, app);
            Integer other = ids.putIfAbsent(app.id(), i);
            check(source, at + ".id", other == null, "'" + app.id() + "' is also used by apps[" + other + "]");
            other = keys.putIfAbsent(app.key(), i);
            check(source, at + ".key", other == null, "'" + app.key() + "' is also used by apps[" + other + "]");
        }
    }

    /**
     * Checks one app on its own (not against other apps).
     *
     * @param at where the app is, e.g. {@code apps[2]}; empty for the top level of an API request
     * @throws ConfigException {@code source: key: problem}
     */
    public static void app(String source, String at, App app) {
        credential(source, join(at, "id"), app.id());
        credential(source, join(at, "key"), app.key());
        check(source, join(at, "secret"), app.secret() != null && !app.secret().isEmpty(), "must be set");
        check(source, join(at, "signin_timeout_seconds"), app.signinTimeoutSeconds() >= 1, "must be at least 1");
        limits(source, join(at, "limits"), app.limits());
        history(source, at, app.history());
        for (int w = 0; w < app.webhooks().size(); w++) {
            String hook = join(at, "webhooks[" + w + "]");
            String url = app.webhooks().get(w).url();
            check(source, hook + ".url", isHttpUrl(url), "must be an http(s) URL");
            String headersAt = hook + ".headers.";
            app.webhooks()
                    .get(w)
                    .headers()
                    .forEach((name, value) -> header(source, headersAt + cut(name), name, value));
            for (String type : app.webhooks().get(w).eventTypes()) {
                check(
                        source,
                        hook + ".event_types",
                        WEBHOOK_EVENTS.contains(type),
                        "unknown event type '" + type + "'; use " + WEBHOOK_EVENTS);
            }
        }
    }

    private static void history(String source, String at, List<HistoryRule> rules) {
        check(
                source,
                join(at, "history"),
                rules.size() <= MAX_HISTORY_RULES,
                "at most " + MAX_HISTORY_RULES + " rules");
        for (int r = 0; r < rules.size(); r++) {
            HistoryRule rule = rules.get(r);
            String ruleAt = join(at, "history[" + r + "]");
            check(
                    source,
                    ruleAt + ".channels",
                    rule.channels() != null
                            && !rule.channels().isEmpty()
                            && rule.channels().length() <= 200
                            && HISTORY_CHANNELS.matcher(rule.channels()).matches(),
                    "must be a channel name, or a pattern where * matches any run of characters (A-Z a-z 0-9 _ - ="
                            + " @ , . ; and *, at most 200 characters)");
            check(
                    source,
                    ruleAt + ".max_events",
                    rule.maxEvents() >= 1 && rule.maxEvents() <= HistoryRule.MAX_EVENTS,
                    "must be 1.." + HistoryRule.MAX_EVENTS);
            check(
                    source,
                    ruleAt + ".max_age_seconds",
                    rule.maxAgeSeconds() >= 1 && rule.maxAgeSeconds() <= HistoryRule.MAX_AGE_SECONDS,
                    "must be 1.." + HistoryRule.MAX_AGE_SECONDS + " (30 days)");
            check(
                    source,
                    ruleAt + ".rewind",
                    rule.rewind() >= 0 && rule.rewind() <= rule.maxEvents(),
                    "must be 0 (none) up to max_events (" + rule.maxEvents() + ")");
            check(
                    source,
                    ruleAt + ".rewind_seconds",
                    rule.rewindSeconds() >= 0 && rule.rewindSeconds() <= rule.maxAgeSeconds(),
                    "must be 0 (none) up to max_age_seconds (" + rule.maxAgeSeconds() + ")");
        }
    }

    private static String join(String at, String key) {
        return at.isEmpty() ? key : at + "." + key;
    }

    private static void appStore(AppStoreSettings store, String source) {
        check(
                source,
                "app_store.driver",
                "yaml".equals(store.driver()) || "postgres".equals(store.driver()),
                "must be yaml or postgres");
        if (!store.usesPostgres()) {
            return;
        }
        check(
                source,
                "app_store.url",
                store.url() != null && store.url().startsWith("jdbc:postgresql:"),
                "must be a JDBC URL of PostgreSQL, e.g. jdbc:postgresql://db:5432/switchboard");
        check(source, "app_store.pool_size", store.poolSize() >= 1 && store.poolSize() <= 100, "must be 1..100");
        check(source, "app_store.reload_interval_seconds", store.reloadIntervalSeconds() >= 1, "must be at least 1");
    }

    private static void broker(BrokerSettings b, ServerSettings s, String source) {
        check(
                source,
                "broker.driver",
                "memory".equals(b.driver()) || "redis".equals(b.driver()),
                "must be memory or redis");
        RedisSettings r = b.redis();
        check(source, "broker.redis", r != null, "must be a mapping");
        check(source, "broker.history", b.history() != null, "must be a mapping");
        check(
                source,
                "broker.history.max_memory_bytes",
                b.history().maxMemoryBytes() >= 1 << 20,
                "must be at least 1048576 (1 MiB)");
        if (!b.usesRedis()) {
            return;
        }
        check(
                source,
                "server.node_id",
                s.nodeId() != null && NODE_ID.matcher(s.nodeId()).matches(),
                "must use only A-Z a-z 0-9 _ . - (or be empty to generate one)");
        if (r.clusterNodes().isEmpty()) {
            check(source, "broker.redis.url", isRedisUrl(r.url()), "must be a redis:// or rediss:// URL");
        }
        for (int i = 0; i < r.clusterNodes().size(); i++) {
            check(
                    source,
                    "broker.redis.cluster_nodes[" + i + "]",
                    isRedisUrl(r.clusterNodes().get(i)),
                    "must be a redis:// or rediss:// URL");
        }
        check(
                source,
                "broker.redis.key_prefix",
                r.keyPrefix() != null
                        && r.keyPrefix().indexOf('{') < 0
                        && r.keyPrefix().indexOf('}') < 0,
                "must not contain { or } (they would change Redis Cluster hash slots)");
        check(source, "broker.redis.heartbeat_interval_ms", r.heartbeatIntervalMs() >= 100, "must be at least 100");
        check(
                source,
                "broker.redis.node_timeout_ms",
                r.nodeTimeoutMs() >= 2L * r.heartbeatIntervalMs(),
                "must be at least twice heartbeat_interval_ms (" + 2L * r.heartbeatIntervalMs() + ")");
        check(source, "broker.redis.command_timeout_ms", r.commandTimeoutMs() >= 100, "must be at least 100");
    }

    /**
     * A webhook header must be one the HTTP client sends as given: delivery would otherwise fail on
     * every try. The value is never echoed, as it is often a credential.
     */
    private static void header(String source, String key, String name, String value) {
        check(
                source,
                key,
                HEADER_NAME.matcher(name).matches(),
                "not a valid header name (letters, digits, ! # $ % & ' * + - . ^ _ ` | ~)");
        String lower = lower(name);
        check(
                source,
                key,
                !CONNECTION_HEADERS.contains(lower),
                "controls the connection or the message framing, which the HTTP client manages itself; remove it");
        check(
                source,
                key,
                !PUSHER_HEADERS.contains(lower),
                "is set by Switchboard on every webhook, as Pusher's SDKs expect it; remove it");
        check(
                source,
                key,
                value != null && value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7f)),
                "the value must be set and must not contain line breaks or other control characters");
        try {
            HttpRequest.newBuilder().header(name, value);
        } catch (IllegalArgumentException e) {
            check(source, key, false, "the HTTP client refuses it (" + e.getMessage() + ")");
        }
    }

    private static boolean isRedisUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void limits(String source, String at, AppLimits l) {
        check(source, at + ".max_connections", l.maxConnections() >= 0, "must be 0 (unlimited) or more");
        positive(source, at + ".max_channels_per_connection", l.maxChannelsPerConnection());
        positive(source, at + ".max_presence_members", l.maxPresenceMembers());
        positive(source, at + ".max_presence_user_info_bytes", l.maxPresenceUserInfoBytes());
        positive(source, at + ".max_user_id_length", l.maxUserIdLength());
        positive(source, at + ".max_channel_name_length", l.maxChannelNameLength());
        positive(source, at + ".max_event_name_length", l.maxEventNameLength());
        positive(source, at + ".max_payload_bytes", l.maxPayloadBytes());
        positive(source, at + ".max_channels_per_event", l.maxChannelsPerEvent());
        positive(source, at + ".max_batch_size", l.maxBatchSize());
        positive(source, at + ".client_events_per_second", l.clientEventsPerSecond());
        positive(source, at + ".cache_ttl_seconds", l.cacheTtlSeconds());
        positive(source, at + ".max_watchlist_size", l.maxWatchlistSize());
        check(
                source,
                at + ".rest_requests_per_second",
                l.restRequestsPerSecond() >= 0 && l.restRequestsPerSecond() <= 1_000_000_000,
                "must be 0 (unlimited) or more");
        check(source, at + ".max_history_bytes", l.maxHistoryBytes() >= 1024, "must be at least 1024");
    }

    private static void positive(String source, String key, int value) {
        check(source, key, value >= 1, "must be at least 1");
    }

    private static void credential(String source, String key, String value) {
        check(
                source,
                key,
                value != null && CREDENTIAL.matcher(value).matches(),
                "must be non-empty and use only A-Z a-z 0-9 _ . -");
    }

    private static boolean readable(String file) {
        return file != null && !file.isBlank() && java.nio.file.Files.isReadable(java.nio.file.Path.of(file));
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(java.util.Locale.ROOT);
    }

    private static void check(String source, String key, boolean ok, String problem) {
        if (!ok) {
            throw new ConfigException(source + ": " + key + ": " + problem);
        }
    }

    private static String cut(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
