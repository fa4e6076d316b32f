package io.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.ApiRequest;
import io.switchboard.app.App;
import io.switchboard.appstore.AppStore;
import io.switchboard.appstore.LiveApps;
import io.switchboard.appstore.YamlAppStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the admin API does to apps: lists them a page at a time, creates them with generated
 * credentials, updates, enables, disables and deletes them, rotates secrets with an overlap window
 * and ends the overlap. Every change goes through the app store and is applied on this node at once
 * ({@link LiveApps#refresh}). Answers are the JSON bodies; {@link AdminApi} routes and maps errors.
 * Blocks on the store.
 */
final class AppOperations {
    private static final Logger log = LoggerFactory.getLogger("switchboard.admin");
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 100;
    static final long DEFAULT_OVERLAP_SECONDS = 24 * 3600;
    static final long MAX_OVERLAP_SECONDS = 30L * 24 * 3600;
    /** Previous secrets kept at most: a rotation during an overlap drops the oldest beyond this. */
    static final int MAX_PREVIOUS_SECRETS = 3;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final LiveApps apps;
    private final Clock clock;

    AppOperations(LiveApps apps, Clock clock) {
        this.apps = apps;
        this.clock = clock;
    }

    /** {@code ?limit=N&after=ID}: apps ordered by id, {@code next} is the cursor of the next page. */
    ObjectNode list(ApiRequest request) throws AppInput.Invalid {
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
        return out;
    }

    ObjectNode create(ApiRequest request) throws AppInput.Invalid {
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
            return out;
        }
    }

    ObjectNode update(String id, ApiRequest request) throws AppInput.Invalid {
        existing(id);
        requireWritable();
        ObjectNode body = AppInput.object(request.body());
        App updated = change(id, current -> AppInput.update(current, body));
        log.info("admin: updated app {}", id);
        return AppViews.app(updated);
    }

    ObjectNode setEnabled(String id, boolean enabled) throws AppInput.Invalid {
        existing(id);
        requireWritable();
        ObjectNode body = AppInput.JSON.createObjectNode().put("enabled", enabled);
        App updated = change(id, current -> AppInput.update(current, body));
        log.info("admin: {} app {}", enabled ? "enabled" : "disabled", id);
        return AppViews.app(updated);
    }

    ObjectNode delete(String id) {
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
        return out;
    }

    /**
     * A new secret; the replaced one keeps verifying for {@code overlap_seconds} (default 24 h).
     * The new secret is in this answer only.
     */
    ObjectNode rotate(String id, ApiRequest request) throws AppInput.Invalid {
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
            return current.withSecrets(secret, previous);
        });
        log.info("admin: rotated the secret of app {} (previous one verifies for {} s)", id, overlap);
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("id", rotated.id());
        out.put("key", rotated.key());
        out.put("secret", secret);
        out.put("previous_secret_expires_at", Instant.ofEpochMilli(expires).toString());
        out.set("app", AppViews.app(rotated));
        return out;
    }

    /** Ends every overlap now: only the current secret verifies from here on. */
    ObjectNode endOverlap(String id) throws AppInput.Invalid {
        existing(id);
        requireWritable();
        App app = change(id, current -> current.withSecrets(current.secret(), List.of()));
        log.info("admin: ended the secret overlap of app {}", id);
        return AppViews.app(app);
    }

    /** The app with this id; {@link AppStore.NotFound} (a 404) when there is none. */
    App existing(String id) {
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
}
