package io.switchboard.appstore;

import io.switchboard.app.App;
import io.switchboard.app.AppRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link AppRegistry} equal to the {@link AppStore}: reads every app at start, then
 * reads again each app the store reports changed (on any node), and swaps the result into the
 * registry in one step. The registry's listeners then apply what changed to the running server
 * (closing a disabled app's connections, webhook targets) without touching the other apps.
 */
public final class LiveApps implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("switchboard.appstore");

    private final AppStore store;
    private final AppRegistry registry;

    /** Reads every app from {@code store} into a new registry. */
    public LiveApps(AppStore store) {
        this.store = store;
        this.registry = new AppRegistry(store.all());
    }

    public AppStore store() {
        return store;
    }

    public AppRegistry registry() {
        return registry;
    }

    /** Starts following the store's changes. */
    public void start() {
        store.watch(this::refresh);
    }

    /**
     * Reads the app with this id again (or every app, for {@code null}) and applies it. Called by
     * the store's listener for changes anywhere, and by the admin API right after its own change so
     * that its answer and this node agree at once.
     */
    public synchronized void refresh(String id) {
        if (id == null) {
            registry.replace(store.all());
            return;
        }
        Optional<App> app = store.find(id);
        List<App> next = new ArrayList<>(registry.all().size() + 1);
        for (App a : registry.all()) {
            if (!a.id().equals(id)) {
                next.add(a);
            }
        }
        app.ifPresent(next::add);
        try {
            registry.replace(next);
        } catch (IllegalStateException e) {
            // Two apps with one key: another app's change (freeing the key) is still on its way.
            log.debug("app {} reads as a duplicate key; reading every app", id);
            registry.replace(store.all());
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
