package io.switchboard.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.HistoryRule;
import io.switchboard.config.ConfigException;
import io.switchboard.config.Validation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a create or update body into an {@link App}, checked with the configuration's own rules
 * ({@link Validation#app}) plus bounds on everything a hostile client could make large.
 */
final class AppInput {
    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_ID_LENGTH = 100;
    static final int MAX_NAME_LENGTH = 200;
    static final int MIN_SECRET_LENGTH = 16;
    static final int MAX_SECRET_LENGTH = 256;
    static final int MAX_WEBHOOKS = 10;
    static final int MAX_URL_LENGTH = 2048;
    static final int MAX_PREFIX_LENGTH = 200;
    static final int MAX_HEADERS = 20;
    static final int MAX_HEADER_NAME_LENGTH = 100;
    static final int MAX_HEADER_VALUE_LENGTH = 1000;

    static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(10)
                        .maxStringLength(MAX_BODY_BYTES)
                        .build());
    }

    private static final Set<String> SWITCHES = Set.of(
            "name",
            "enabled",
            "client_events",
            "user_authentication",
            "signin_timeout_seconds",
            "require_tls",
            "subscription_count_events",
            "limits",
            "webhooks",
            "history");
    private static final Set<String> CREATE_ONLY = Set.of("id", "key", "secret");
    private static final Map<String, String> LIMIT_FIELDS = limitFields();
    private static final Set<String> WEBHOOK_FIELDS = Set.of("url", "event_types", "channel_prefix", "headers");
    private static final Set<String> HISTORY_FIELDS =
            Set.of("channels", "max_events", "max_age_seconds", "rewind", "rewind_seconds");

    private AppInput() {}

    /** A request body the API refuses, with the reason shown to the client (400). */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** The JSON object of a body; an empty body is an empty object. */
    static ObjectNode object(byte[] body) throws Invalid {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw new Invalid("The body must be a JSON object");
        } catch (JsonProcessingException e) {
            throw new Invalid("The body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new Invalid("The body cannot be read: " + e.getMessage());
        }
    }

    /**
     * The app a create body describes; {@code id}, {@code key} and {@code secret} are the
     * generated ones where the body has none.
     */
    static App create(ObjectNode body, String id, String key, String secret) throws Invalid {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!SWITCHES.contains(field) && !CREATE_ONLY.contains(field)) {
                throw new Invalid("Unknown field '" + cut(field) + "'; known fields: id, key, secret, "
                        + String.join(", ", sorted(SWITCHES)));
            }
        }
        String givenSecret = optionalText(body, "secret", MAX_SECRET_LENGTH);
        if (givenSecret != null && givenSecret.length() < MIN_SECRET_LENGTH) {
            throw new Invalid("secret: must be at least " + MIN_SECRET_LENGTH + " characters (leave it out to have one"
                    + " generated)");
        }
        App base = new App(
                orElse(optionalText(body, "id", MAX_ID_LENGTH), id),
                orElse(optionalText(body, "key", MAX_ID_LENGTH), key),
                orElse(givenSecret, secret),
                "",
                true,
                false,
                false,
                30,
                false,
                false,
                AppLimits.DEFAULTS,
                List.of());
        return apply(base, body);
    }

    /** {@code current} with what an update body changes; limits merge, webhooks are replaced. */
    static App update(App current, ObjectNode body) throws Invalid {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.equals("secret")) {
                throw new Invalid("secret cannot be set; rotate it with POST /admin/v1/apps/{id}/secret/rotate");
            }
            if (CREATE_ONLY.contains(field)) {
                throw new Invalid(field + " cannot be changed; create a new app instead");
            }
            if (!SWITCHES.contains(field)) {
                throw new Invalid(
                        "Unknown field '" + cut(field) + "'; known fields: " + String.join(", ", sorted(SWITCHES)));
            }
        }
        return apply(current, body);
    }

    private static App apply(App base, ObjectNode body) throws Invalid {
        String name = orElse(optionalText(body, "name", MAX_NAME_LENGTH), base.name());
        App app = new App(
                base.id(),
                base.key(),
                base.secret(),
                name,
                bool(body, "enabled", base.enabled()),
                bool(body, "client_events", base.clientEvents()),
                bool(body, "user_authentication", base.userAuthentication()),
                integer(body, "signin_timeout_seconds", base.signinTimeoutSeconds()),
                bool(body, "require_tls", base.requireTls()),
                bool(body, "subscription_count_events", base.subscriptionCountEvents()),
                body.has("limits") ? limits(base.limits(), body.get("limits")) : base.limits(),
                body.has("webhooks") ? webhooks(body.get("webhooks")) : base.webhooks(),
                base.previousSecrets(),
                body.has("history") ? history(body.get("history")) : base.history());
        if (app.id().length() > MAX_ID_LENGTH || app.key().length() > MAX_ID_LENGTH) {
            throw new Invalid("id and key must be at most " + MAX_ID_LENGTH + " characters");
        }
        try {
            Validation.app("Invalid app", "", app);
        } catch (ConfigException e) {
            throw new Invalid(e.getMessage());
        }
        return app;
    }

    private static AppLimits limits(AppLimits base, JsonNode node) throws Invalid {
        if (!(node instanceof ObjectNode given)) {
            throw new Invalid("limits: must be an object");
        }
        ObjectNode merged = io.switchboard.admin.AppViews.limits(base);
        for (Iterator<String> it = given.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!LIMIT_FIELDS.containsKey(field)) {
                throw new Invalid("limits: unknown limit '" + cut(field) + "'; known limits: "
                        + String.join(", ", sorted(LIMIT_FIELDS.keySet())));
            }
            JsonNode value = given.get(field);
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw new Invalid("limits." + field + ": must be a whole number");
            }
            merged.put(field, value.intValue());
        }
        return new AppLimits(
                merged.get("max_connections").intValue(),
                merged.get("max_channels_per_connection").intValue(),
                merged.get("max_presence_members").intValue(),
                merged.get("max_presence_user_info_bytes").intValue(),
                merged.get("max_user_id_length").intValue(),
                merged.get("max_channel_name_length").intValue(),
                merged.get("max_event_name_length").intValue(),
                merged.get("max_payload_bytes").intValue(),
                merged.get("max_channels_per_event").intValue(),
                merged.get("max_batch_size").intValue(),
                merged.get("client_events_per_second").intValue(),
                merged.get("cache_ttl_seconds").intValue(),
                merged.get("max_watchlist_size").intValue(),
                merged.get("rest_requests_per_second").intValue(),
                merged.get("max_history_bytes").intValue());
    }

    private static List<App.Webhook> webhooks(JsonNode node) throws Invalid {
        if (!node.isArray()) {
            throw new Invalid("webhooks: must be a list");
        }
        if (node.size() > MAX_WEBHOOKS) {
            throw new Invalid("webhooks: at most " + MAX_WEBHOOKS + " targets per app");
        }
        List<App.Webhook> out = new ArrayList<>();
        Set<String> urls = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "webhooks[" + i + "]";
            if (!(node.get(i) instanceof ObjectNode hook)) {
                throw new Invalid(at + ": must be an object");
            }
            for (Iterator<String> it = hook.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!WEBHOOK_FIELDS.contains(field)) {
                    throw new Invalid(at + ": unknown field '" + cut(field) + "'; known fields: "
                            + String.join(", ", sorted(WEBHOOK_FIELDS)));
                }
            }
            String url = optionalText(hook, "url", MAX_URL_LENGTH, at + ".url");
            if (url == null) {
                throw new Invalid(at + ".url: must be set");
            }
            if (!urls.add(url)) {
                throw new Invalid(at + ".url: '" + cut(url) + "' is listed twice");
            }
            List<String> types = new ArrayList<>();
            JsonNode typesNode = hook.get("event_types");
            if (typesNode != null && !typesNode.isNull()) {
                if (!typesNode.isArray() || typesNode.size() > 10) {
                    throw new Invalid(at + ".event_types: must be a list of at most 10 event types");
                }
                for (JsonNode t : typesNode) {
                    if (!t.isTextual() || t.textValue().length() > 50) {
                        throw new Invalid(at + ".event_types: must be a list of event type names");
                    }
                    types.add(t.textValue());
                }
            }
            String prefix = optionalText(hook, "channel_prefix", MAX_PREFIX_LENGTH, at + ".channel_prefix");
            Map<String, String> headers = new LinkedHashMap<>();
            JsonNode headersNode = hook.get("headers");
            if (headersNode != null && !headersNode.isNull()) {
                if (!(headersNode instanceof ObjectNode h) || h.size() > MAX_HEADERS) {
                    throw new Invalid(at + ".headers: must be an object of at most " + MAX_HEADERS + " headers");
                }
                for (var e : h.properties()) {
                    if (e.getKey().length() > MAX_HEADER_NAME_LENGTH
                            || !e.getValue().isTextual()
                            || e.getValue().textValue().length() > MAX_HEADER_VALUE_LENGTH) {
                        throw new Invalid(at + ".headers: names of at most " + MAX_HEADER_NAME_LENGTH
                                + " characters, string values of at most " + MAX_HEADER_VALUE_LENGTH);
                    }
                    headers.put(e.getKey(), e.getValue().textValue());
                }
            }
            out.add(new App.Webhook(url, types, prefix == null ? "" : prefix, headers));
        }
        return out;
    }

    /** History rules replace the app's; missing values take the configuration's defaults. */
    private static List<HistoryRule> history(JsonNode node) throws Invalid {
        if (!node.isArray()) {
            throw new Invalid("history: must be a list");
        }
        if (node.size() > Validation.MAX_HISTORY_RULES) {
            throw new Invalid("history: at most " + Validation.MAX_HISTORY_RULES + " rules per app");
        }
        List<HistoryRule> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "history[" + i + "]";
            if (!(node.get(i) instanceof ObjectNode rule)) {
                throw new Invalid(at + ": must be an object");
            }
            for (Iterator<String> it = rule.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!HISTORY_FIELDS.contains(field)) {
                    throw new Invalid(at + ": unknown field '" + cut(field) + "'; known fields: "
                            + String.join(", ", sorted(HISTORY_FIELDS)));
                }
            }
            String channels = optionalText(rule, "channels", MAX_PREFIX_LENGTH, at + ".channels");
            if (channels == null) {
                throw new Invalid(at + ".channels: must be set");
            }
            out.add(new HistoryRule(
                    channels,
                    integer(rule, "max_events", HistoryRule.DEFAULT_MAX_EVENTS, at + ".max_events"),
                    integer(rule, "max_age_seconds", HistoryRule.DEFAULT_MAX_AGE_SECONDS, at + ".max_age_seconds"),
                    integer(rule, "rewind", 0, at + ".rewind"),
                    integer(rule, "rewind_seconds", 0, at + ".rewind_seconds")));
        }
        return out;
    }

    // --- fields ---------------------------------------------------------------------------------

    private static String optionalText(ObjectNode body, String field, int max) throws Invalid {
        return optionalText(body, field, max, field);
    }

    private static String optionalText(ObjectNode body, String field, int max, String name) throws Invalid {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new Invalid(name + ": must be a string");
        }
        if (node.textValue().length() > max) {
            throw new Invalid(name + ": must be at most " + max + " characters");
        }
        return node.textValue();
    }

    private static boolean bool(ObjectNode body, String field, boolean otherwise) throws Invalid {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return otherwise;
        }
        if (!node.isBoolean()) {
            throw new Invalid(field + ": must be true or false");
        }
        return node.booleanValue();
    }

    private static int integer(ObjectNode body, String field, int otherwise) throws Invalid {
        return integer(body, field, otherwise, field);
    }

    private static int integer(ObjectNode body, String field, int otherwise, String name) throws Invalid {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return otherwise;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new Invalid(name + ": must be a whole number");
        }
        return node.intValue();
    }

    private static String orElse(String value, String otherwise) {
        return value == null ? otherwise : value;
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }

    /** Client text quoted back is cut, so an answer never grows with the input. */
    static String cut(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    private static Map<String, String> limitFields() {
        Map<String, String> out = new LinkedHashMap<>();
        AppViews.limits(AppLimits.DEFAULTS).fieldNames().forEachRemaining(f -> out.put(f, f));
        return out;
    }
}
