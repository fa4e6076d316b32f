package io.switchboard.appstore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.app.HistoryRule;
import io.switchboard.config.AppStoreSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.flywaydb.core.Flyway;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apps in a PostgreSQL table shared by every node ({@code app_store.driver: postgres}). The schema
 * is created and migrated by Flyway at start (history in {@code switchboard_schema_history}, so
 * the database may hold other tables too). A trigger sends {@code NOTIFY switchboard_apps, '<id>'}
 * on every change; each node listens on a connection of its own and reads the app again.
 */
public final class PostgresAppStore implements AppStore {
    private static final Logger log = LoggerFactory.getLogger("switchboard.appstore");
    static final String CHANNEL = "switchboard_apps";
    private static final String COLUMNS = "id, key, secret, name, enabled, client_events, user_authentication,"
            + " signin_timeout_seconds, require_tls, subscription_count_events, limits, webhooks, previous_secrets,"
            + " history";
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final TypeReference<List<App.Webhook>> WEBHOOKS = new TypeReference<>() {};
    private static final TypeReference<List<App.PreviousSecret>> PREVIOUS = new TypeReference<>() {};
    private static final TypeReference<List<HistoryRule>> HISTORY = new TypeReference<>() {};
    private static final long RETRY_MILLIS = 1000;

    private final AppStoreSettings settings;
    private final HikariDataSource pool;
    private volatile Thread listener;

    /** How long starting waits for the store to listen for changes. */
    private static final int LISTEN_WAIT_SECONDS = 10;

    private volatile boolean closed;

    /**
     * Connects, creates or migrates the schema, and returns once the database answered.
     *
     * @throws Unavailable when the database cannot be reached or migrated
     */
    public PostgresAppStore(AppStoreSettings settings) {
        this.settings = settings;
        HikariConfig config = new HikariConfig();
        config.setPoolName("switchboard-app-store");
        config.setJdbcUrl(settings.url());
        if (!settings.user().isEmpty()) {
            config.setUsername(settings.user());
        }
        if (!settings.password().isEmpty()) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(1);
        config.setConnectionTimeout(TimeUnit.SECONDS.toMillis(5));
        config.setInitializationFailTimeout(TimeUnit.SECONDS.toMillis(10));
        try {
            this.pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new Unavailable("cannot connect to PostgreSQL at " + settings.url() + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure(PostgresAppStore.class.getClassLoader())
                    .dataSource(pool)
                    .locations("classpath:io/switchboard/appstore/migration")
                    .table("switchboard_schema_history")
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new Unavailable(
                    "cannot migrate the app store schema at " + settings.url() + ": " + rootMessage(e), e);
        }
    }

    @Override
    public String driver() {
        return "postgres";
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public List<App> all() {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("SELECT " + COLUMNS + " FROM switchboard_apps ORDER BY id")) {
            List<App> apps = new ArrayList<>();
            while (rows.next()) {
                apps.add(app(rows));
            }
            return apps;
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<App> find(String id) {
        try (Connection c = pool.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM switchboard_apps WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(app(rows)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    @Override
    public App create(App app) {
        try (Connection c = pool.getConnection();
                PreparedStatement s = c.prepareStatement("INSERT INTO switchboard_apps (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb)")) {
            bind(s, app, 1);
            s.executeUpdate();
            return app;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw conflict(e, app);
            }
            throw unavailable(e);
        }
    }

    @Override
    public App update(String id, UnaryOperator<App> change) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                App current;
                try (PreparedStatement s =
                        c.prepareStatement("SELECT " + COLUMNS + " FROM switchboard_apps WHERE id = ? FOR UPDATE")) {
                    s.setString(1, id);
                    try (ResultSet rows = s.executeQuery()) {
                        if (!rows.next()) {
                            throw new NotFound("Unknown app id: " + id);
                        }
                        current = app(rows);
                    }
                }
                App next = change.apply(current);
                if (!next.id().equals(current.id()) || !next.key().equals(current.key())) {
                    throw new IllegalArgumentException("an app's id and key cannot change");
                }
                try (PreparedStatement s = c.prepareStatement("UPDATE switchboard_apps SET id = ?, key = ?, secret = ?,"
                        + " name = ?, enabled = ?, client_events = ?, user_authentication = ?,"
                        + " signin_timeout_seconds = ?, require_tls = ?, subscription_count_events = ?,"
                        + " limits = ?::jsonb, webhooks = ?::jsonb, previous_secrets = ?::jsonb, history = ?::jsonb,"
                        + " updated_at = now()"
                        + " WHERE id = ?")) {
                    bind(s, next, 1);
                    s.setString(15, id);
                    s.executeUpdate();
                }
                c.commit();
                return next;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    @Override
    public boolean delete(String id) {
        try (Connection c = pool.getConnection();
                PreparedStatement s = c.prepareStatement("DELETE FROM switchboard_apps WHERE id = ?")) {
            s.setString(1, id);
            return s.executeUpdate() > 0;
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    /**
     * Listens for changes on a connection of its own (LISTEN needs one session for as long as it
     * listens, so it is not taken from the pool). When that connection fails, it connects again
     * and reports {@code null}: notifications sent in between are lost, so everything is read again.
     */
    @Override
    public void watch(Consumer<String> changed) {
        CountDownLatch listening = new CountDownLatch(1);
        Thread t = new Thread(() -> listen(changed, listening), "switchboard-app-store");
        t.setDaemon(true);
        listener = t;
        t.start();
        // Changes made from here on reach this node: a server is started once it listens (or, with
        // the database slow to answer, once the retries have had their time; the re-read on
        // listening catches up then).
        try {
            if (!listening.await(LISTEN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("not yet listening for app changes after {} s; going on", LISTEN_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listen(Consumer<String> changed, CountDownLatch listening) {
        long reloadEvery = TimeUnit.SECONDS.toNanos(settings.reloadIntervalSeconds());
        boolean first = true;
        while (!closed) {
            try (Connection c = listenConnection()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                // Notifications sent before LISTEN took effect (since the first read, or while the
                // connection was down) are lost: read everything once more.
                if (!first) {
                    log.info("listening for app changes again; reading every app");
                }
                report(changed, null);
                listening.countDown();
                first = false;
                PGConnection pg = c.unwrap(PGConnection.class);
                long nextReload = System.nanoTime() + reloadEvery;
                while (!closed) {
                    PGNotification[] notes = pg.getNotifications(500);
                    if (notes != null) {
                        for (PGNotification n : notes) {
                            report(changed, n.getParameter());
                        }
                    }
                    if (System.nanoTime() - nextReload >= 0) {
                        report(changed, null);
                        nextReload = System.nanoTime() + reloadEvery;
                    }
                }
            } catch (SQLException e) {
                if (closed) {
                    return;
                }
                log.warn("lost the connection listening for app changes ({}); retrying", rootMessage(e));
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private static void report(Consumer<String> changed, String id) {
        try {
            changed.accept(id == null || id.isEmpty() ? null : id);
        } catch (RuntimeException e) {
            log.warn("applying an app change failed: {}", e.toString());
        }
    }

    private Connection listenConnection() throws SQLException {
        Properties props = new Properties();
        if (!settings.user().isEmpty()) {
            props.setProperty("user", settings.user());
        }
        if (!settings.password().isEmpty()) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "switchboard app changes");
        Connection c = new org.postgresql.Driver().connect(settings.url(), props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + settings.url());
        }
        return c;
    }

    @Override
    public void close() {
        closed = true;
        Thread t = listener;
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pool.close();
    }

    // --- rows --------------------------------------------------------------------------------------

    private static void bind(PreparedStatement s, App app, int from) throws SQLException {
        int i = from;
        s.setString(i++, app.id());
        s.setString(i++, app.key());
        s.setString(i++, app.secret());
        s.setString(i++, app.name() == null ? "" : app.name());
        s.setBoolean(i++, app.enabled());
        s.setBoolean(i++, app.clientEvents());
        s.setBoolean(i++, app.userAuthentication());
        s.setInt(i++, app.signinTimeoutSeconds());
        s.setBoolean(i++, app.requireTls());
        s.setBoolean(i++, app.subscriptionCountEvents());
        s.setString(i++, json(app.limits()));
        s.setString(i++, json(app.webhooks()));
        s.setString(i++, json(app.previousSecrets()));
        s.setString(i, json(app.history()));
    }

    private static App app(ResultSet r) throws SQLException {
        try {
            return new App(
                    r.getString("id"),
                    r.getString("key"),
                    r.getString("secret"),
                    r.getString("name"),
                    r.getBoolean("enabled"),
                    r.getBoolean("client_events"),
                    r.getBoolean("user_authentication"),
                    r.getInt("signin_timeout_seconds"),
                    r.getBoolean("require_tls"),
                    r.getBoolean("subscription_count_events"),
                    limits(r.getString("limits")),
                    JSON.readValue(r.getString("webhooks"), WEBHOOKS),
                    JSON.readValue(r.getString("previous_secrets"), PREVIOUS),
                    JSON.readValue(r.getString("history"), HISTORY));
        } catch (JsonProcessingException e) {
            throw new SQLException("app " + r.getString("id") + " has unreadable JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Stored limits over the defaults: a limit added in a later version takes its default. */
    private static AppLimits limits(String stored) throws JsonProcessingException {
        ObjectNode merged = JSON.valueToTree(AppLimits.DEFAULTS);
        JsonNode node = JSON.readTree(stored);
        if (node instanceof ObjectNode object) {
            merged.setAll(object);
        }
        return JSON.treeToValue(merged, AppLimits.class);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Conflict conflict(SQLException e, App app) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("switchboard_apps_key_key")) {
            return new Conflict("key", "key '" + app.key() + "' is already used by another app");
        }
        return new Conflict("id", "An app with id '" + app.id() + "' already exists");
    }

    private Unavailable unavailable(SQLException e) {
        return new Unavailable("the app store (PostgreSQL) failed: " + rootMessage(e), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
