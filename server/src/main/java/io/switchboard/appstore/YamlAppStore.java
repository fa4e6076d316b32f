package io.switchboard.appstore;

import io.switchboard.app.App;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** The {@code apps} list of the configuration file: what the server started with, read-only. */
public final class YamlAppStore implements AppStore {
    /** Why the API cannot change apps here, and what to do instead. */
    public static final String READ_ONLY =
            "Apps come from the configuration file (app_store.driver: yaml), which the admin API"
                    + " does not change: edit the file and restart, or use app_store.driver: postgres to manage apps"
                    + " live";

    private final List<App> apps;

    public YamlAppStore(List<App> apps) {
        this.apps = apps.stream().sorted(Comparator.comparing(App::id)).toList();
    }

    @Override
    public String driver() {
        return "yaml";
    }

    @Override
    public boolean writable() {
        return false;
    }

    @Override
    public List<App> all() {
        return apps;
    }

    @Override
    public Optional<App> find(String id) {
        return apps.stream().filter(a -> a.id().equals(id)).findFirst();
    }

    @Override
    public App create(App app) {
        throw new ReadOnly(READ_ONLY);
    }

    @Override
    public App update(String id, UnaryOperator<App> change) {
        throw new ReadOnly(READ_ONLY);
    }

    @Override
    public boolean delete(String id) {
        throw new ReadOnly(READ_ONLY);
    }

    @Override
    public void watch(Consumer<String> changed) {
        // The file is read once, at start.
    }

    @Override
    public void close() {}
}
