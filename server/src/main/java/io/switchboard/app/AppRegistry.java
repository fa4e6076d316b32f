package io.switchboard.app;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Looks apps up by id (REST) and by key (WebSocket). Immutable, safe from any thread. */
public final class AppRegistry {
    private final List<App> apps;
    private final Map<String, App> byId;
    private final Map<String, App> byKey;

    public AppRegistry(List<App> apps) {
        this.apps = List.copyOf(apps);
        this.byId = apps.stream().collect(Collectors.toUnmodifiableMap(App::id, Function.identity()));
        this.byKey = apps.stream().collect(Collectors.toUnmodifiableMap(App::key, Function.identity()));
    }

    /** The app with this id, or {@code null}. */
    public App byId(String id) {
        return id == null ? null : byId.get(id);
    }

    /** The app with this key, or {@code null}. */
    public App byKey(String key) {
        return key == null ? null : byKey.get(key);
    }

    public Collection<App> all() {
        return apps;
    }
}
