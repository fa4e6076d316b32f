package io.switchboard.appstore;

import io.switchboard.app.App;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Where apps live: the YAML configuration (read-only) or a database shared by every node. The
 * running server never reads a store on a request's path: {@link LiveApps} copies the store into
 * the {@link io.switchboard.app.AppRegistry} and keeps it up to date.
 *
 * <p>Every method may block (on the database); call none on an event loop.
 */
public interface AppStore extends AutoCloseable {

    /** {@code yaml} or {@code postgres}, as in {@code app_store.driver}. */
    String driver();

    /** Whether the admin API may change apps here. */
    boolean writable();

    /** Every app, ordered by id. */
    List<App> all();

    /** The app with this id, read now. */
    Optional<App> find(String id);

    /**
     * Adds a new app.
     *
     * @throws Conflict when its id or key is taken
     */
    App create(App app);

    /**
     * Changes one app atomically: {@code change} gets the stored version and returns the new one
     * (or throws, which changes nothing). Its id and key stay.
     *
     * @throws NotFound when there is no such app
     */
    App update(String id, UnaryOperator<App> change);

    /** Removes an app; returns whether there was one. */
    boolean delete(String id);

    /**
     * Tells {@code changed} whenever apps changed, on this node or another: with the id of the app,
     * or {@code null} when any may have (after a lost connection to the database, and every {@code
     * app_store.reload_interval_seconds}). Called on the store's own thread, once, before use.
     */
    void watch(Consumer<String> changed);

    @Override
    void close();

    /** The store cannot be changed through the API. */
    final class ReadOnly extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ReadOnly(String message) {
            super(message, null, false, false);
        }
    }

    /** No app with that id. */
    final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /** The change would give two apps the same id or key. */
    final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String field;

        /** @param field {@code id} or {@code key} */
        Conflict(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        /** {@code id} or {@code key}. */
        public String field() {
            return field;
        }
    }

    /** The database could not be reached or failed. */
    final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
