package io.switchboard.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.HistoryRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the YAML file and {@code SWITCHBOARD_*} environment variables into a validated {@link
 * SwitchboardConfig}.
 *
 * <p>Every setting can come from the environment: the variable name is {@code SWITCHBOARD_}
 * followed by the key path in upper case, segments joined by a double underscore, list indexes as
 * segments: {@code SWITCHBOARD_SERVER__PORT=7000}, {@code SWITCHBOARD_APPS__0__SECRET=s3cret}.
 * Values are read as YAML scalars or flow collections. The environment wins over the file.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "SWITCHBOARD_";

    /**
     * The largest list index a variable may name. Missing entries up to it are created empty, so a
     * mistyped index must not make the loader build millions of them.
     */
    static final int MAX_LIST_INDEX = 9_999;

    /** {@code SWITCHBOARD_*} variables that are not settings: read by Main and the launcher script. */
    private static final Set<String> LAUNCHER_VARIABLES =
            Set.of("SWITCHBOARD_CONFIG", "SWITCHBOARD_JAVA_OPTS", "SWITCHBOARD_AOT", "SWITCHBOARD_WARM_UP");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    public static final App DEMO_APP = new App(
            "app-id",
            "app-key",
            "app-secret",
            "Demo app",
            true,
            true,
            false,
            30,
            false,
            false,
            AppLimits.DEFAULTS,
            List.of());

    private ConfigLoader() {}

    /**
     * Loads the configuration.
     *
     * @param file the YAML file, or {@code null} for none
     * @param env environment variables; only {@code SWITCHBOARD_*} ones are read
     * @throws ConfigException naming the source, key and problem
     */
    public static SwitchboardConfig load(Path file, Map<String, String> env) {
        String source = file == null ? "configuration" : file.toString();
        ObjectNode root = file == null ? JsonNodeFactory.instance.objectNode() : readFile(file);
        applyEnvironment(root, env);
        boolean hostSet = root.get("server") instanceof ObjectNode server && server.has("host");
        ObjectNode merged = withDefaults(root, source);
        SwitchboardConfig config = bind(merged, hostSet, source);
        Validation.validate(config, source);
        return config;
    }

    private static ObjectNode readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": no such file");
        }
        try {
            JsonNode tree = YAML.readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!tree.isObject()) {
                throw new ConfigException(file + ": the top level must be a mapping");
            }
            return (ObjectNode) tree;
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": not valid YAML at line " + lineOf(e) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read: " + e.getMessage());
        }
    }

    private static void applyEnvironment(ObjectNode root, Map<String, String> env) {
        for (var e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX) || LAUNCHER_VARIABLES.contains(name)) {
                continue;
            }
            String[] path =
                    name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).split("__");
            JsonNode value = parseScalar(name, e.getValue());
            set(root, path, 0, value, name);
        }
    }

    private static JsonNode parseScalar(String name, String text) {
        try {
            JsonNode node = YAML.readTree(text);
            if (node == null || node.isMissingNode()) {
                return TextNode.valueOf("");
            }
            // Only flow collections ([a, b], {k: v}) become collections: "myapp:" is a string.
            String start = text.strip();
            if (node.isContainerNode() && !start.startsWith("[") && !start.startsWith("{")) {
                return TextNode.valueOf(text);
            }
            return node;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text);
        }
    }

    private static void set(JsonNode node, String[] path, int i, JsonNode value, String variable) {
        String segment = path[i];
        boolean last = i == path.length - 1;
        if (node instanceof ObjectNode object) {
            if (last) {
                object.set(segment, value);
                return;
            }
            JsonNode child = object.get(segment);
            if (child == null || !child.isContainerNode()) {
                child = isIndex(path[i + 1]) ? object.putArray(segment) : object.putObject(segment);
            }
            set(child, path, i + 1, value, variable);
        } else if (node instanceof ArrayNode array) {
            if (!isIndex(segment)) {
                throw new ConfigException(variable + ": '" + segment + "' must be a list index");
            }
            if (segment.length() > 4 || Integer.parseInt(segment) > MAX_LIST_INDEX) {
                throw new ConfigException(
                        variable + ": list index " + segment + " is too large (at most " + MAX_LIST_INDEX + ")");
            }
            int index = Integer.parseInt(segment);
            while (array.size() <= index) {
                array.addObject();
            }
            if (last) {
                array.set(index, value);
                return;
            }
            JsonNode child = array.get(index);
            if (!child.isContainerNode()) {
                child = isIndex(path[i + 1]) ? array.insertArray(index) : array.insertObject(index);
                array.remove(index + 1);
            }
            set(child, path, i + 1, value, variable);
        }
    }

    private static boolean isIndex(String segment) {
        return !segment.isEmpty() && segment.chars().allMatch(Character::isDigit);
    }

    private static ObjectNode withDefaults(ObjectNode user, String source) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("server", merge(YAML.valueToTree(ServerSettings.DEFAULTS), user.remove("server")));
        out.set("logging", merge(YAML.valueToTree(LoggingSettings.DEFAULTS), user.remove("logging")));
        out.set("tls", merge(YAML.valueToTree(TlsSettings.DEFAULTS), user.remove("tls")));
        out.set("webhooks", merge(YAML.valueToTree(WebhookSettings.DEFAULTS), user.remove("webhooks")));
        out.set("broker", merge(YAML.valueToTree(BrokerSettings.DEFAULTS), user.remove("broker")));
        out.set("admin", merge(YAML.valueToTree(AdminSettings.DEFAULTS), user.remove("admin")));
        out.set("app_store", merge(YAML.valueToTree(AppStoreSettings.DEFAULTS), user.remove("app_store")));
        ArrayNode apps = out.putArray("apps");
        JsonNode userApps = user.remove("apps");
        if (userApps != null && !userApps.isNull()) {
            if (!userApps.isArray()) {
                throw new ConfigException(source + ": 'apps' must be a list");
            }
            for (JsonNode app : userApps) {
                JsonNode merged = merge(appDefaults(), app);
                if (merged.get("webhooks") instanceof ArrayNode hooks) {
                    for (int w = 0; w < hooks.size(); w++) {
                        hooks.set(w, merge(webhookDefaults(), hooks.get(w)));
                    }
                }
                if (merged.get("history") instanceof ArrayNode rules) {
                    for (int r = 0; r < rules.size(); r++) {
                        rules.set(r, merge(historyDefaults(), rules.get(r)));
                    }
                }
                apps.add(merged);
            }
        }
        Iterator<String> unknown = user.fieldNames();
        if (unknown.hasNext()) {
            throw new ConfigException(source + ": unknown key '" + unknown.next()
                    + "' (known top-level keys: server, logging, tls, webhooks, broker, admin, app_store, apps)");
        }
        return out;
    }

    private static ObjectNode appDefaults() {
        ObjectNode app = JsonNodeFactory.instance.objectNode();
        app.put("name", "");
        app.put("enabled", true);
        app.put("client_events", false);
        app.put("user_authentication", false);
        app.put("signin_timeout_seconds", 30);
        app.put("require_tls", false);
        app.put("subscription_count_events", false);
        app.put("websocket_compression", false);
        app.set("limits", YAML.valueToTree(AppLimits.DEFAULTS));
        app.putArray("webhooks");
        app.putArray("history");
        return app;
    }

    /** A history rule needs only its {@code channels}. */
    private static ObjectNode historyDefaults() {
        ObjectNode rule = JsonNodeFactory.instance.objectNode();
        rule.put("max_events", HistoryRule.DEFAULT_MAX_EVENTS);
        rule.put("max_age_seconds", HistoryRule.DEFAULT_MAX_AGE_SECONDS);
        rule.put("rewind", 0);
        rule.put("rewind_seconds", 0);
        return rule;
    }

    /** A webhook needs only its {@code url}: all event types, all channels, no extra headers. */
    private static ObjectNode webhookDefaults() {
        ObjectNode hook = JsonNodeFactory.instance.objectNode();
        hook.putArray("event_types");
        hook.put("channel_prefix", "");
        hook.putObject("headers");
        return hook;
    }

    private static JsonNode merge(JsonNode defaults, JsonNode user) {
        if (user == null || user.isNull()) {
            return defaults;
        }
        if (defaults instanceof ObjectNode d && user instanceof ObjectNode u) {
            ObjectNode out = d.deepCopy();
            for (var it = u.properties().iterator(); it.hasNext(); ) {
                var field = it.next();
                JsonNode base = out.get(field.getKey());
                out.set(field.getKey(), base == null ? field.getValue() : merge(base, field.getValue()));
            }
            return out;
        }
        return user;
    }

    private static SwitchboardConfig bind(ObjectNode merged, boolean hostSet, String source) {
        ServerSettings server = section(merged.get("server"), ServerSettings.class, source, "server");
        AdminSettings admin = section(merged.get("admin"), AdminSettings.class, source, "admin");
        LoggingSettings logging = section(merged.get("logging"), LoggingSettings.class, source, "logging");
        TlsSettings tls = section(merged.get("tls"), TlsSettings.class, source, "tls");
        WebhookSettings webhooks = section(merged.get("webhooks"), WebhookSettings.class, source, "webhooks");
        BrokerSettings broker = section(merged.get("broker"), BrokerSettings.class, source, "broker");
        AppStoreSettings appStore = section(merged.get("app_store"), AppStoreSettings.class, source, "app_store");
        List<App> apps = new ArrayList<>();
        int i = 0;
        for (JsonNode app : merged.get("apps")) {
            String at = "apps[" + i++ + "]";
            // Previous secrets exist only through the admin API's rotation, never in the file.
            if (app instanceof ObjectNode object) {
                if (object.has("previous_secrets")) {
                    throw new ConfigException(source + ": " + at + ": unknown key 'previous_secrets'");
                }
                object.putArray("previous_secrets");
            }
            apps.add(section(app, App.class, source, at));
        }
        if (apps.isEmpty() && !appStore.usesPostgres()) {
            // The demo app's credentials are public: unless told where to listen, only this machine
            // can reach it.
            if (!hostSet) {
                server = server.withHost(ServerSettings.DEMO_HOST);
            }
            return new SwitchboardConfig(
                    server, logging, tls, webhooks, broker, admin, appStore, List.of(DEMO_APP), true);
        }
        return new SwitchboardConfig(server, logging, tls, webhooks, broker, admin, appStore, apps, false);
    }

    private static <T> T section(JsonNode node, Class<T> type, String source, String path) {
        try {
            return YAML.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + describe(e, path));
        }
    }

    private static String describe(JsonProcessingException e, String prefix) {
        String path = prefix;
        if (e instanceof JsonMappingException m) {
            StringBuilder p = new StringBuilder(prefix);
            for (var ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    p.append(p.isEmpty() ? "" : ".").append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    p.append('[').append(ref.getIndex()).append(']');
                }
            }
            path = p.toString();
        }
        String why = e.getOriginalMessage();
        int nl = why.indexOf('\n');
        if (nl > 0) {
            why = why.substring(0, nl);
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            why = "unknown key '" + u.getPropertyName() + "'";
        } else if (why.startsWith("Missing creator property")) {
            why = "must be set";
        }
        return (path.isEmpty() ? "" : path + ": ") + why;
    }

    private static int lineOf(JsonProcessingException e) {
        return e.getLocation() == null ? 0 : e.getLocation().getLineNr();
    }
}
