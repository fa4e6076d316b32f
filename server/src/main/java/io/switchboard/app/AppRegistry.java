package io.switchboard.app;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Looks apps up by id (REST) and by key (WebSocket). Safe from any thread: every lookup reads one
 * immutable snapshot, and {@link #replace} swaps in a new one atomically, so a reader sees either
 * the old set of apps or the new one, never a mix.
 *
 * <p>Code that keeps an {@link App} (a connection holds the one it was admitted with) looks it up
 * again by id when it acts, so changed limits, switches and secrets apply to it too.
 */
public final class AppRegistry {
    private final List<Consumer<Changes>> listeners = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot;

    private record Snapshot(List<App> apps, Map<String, App> byId, Map<String, App> byKey) {
        static Snapshot of(Collection<App> apps) {
            return new Snapshot(
                    List.copyOf(apps),
                    apps.stream().collect(Collectors.toUnmodifiableMap(App::id, Function.identity())),
                    apps.stream().collect(Collectors.toUnmodifiableMap(App::key, Function.identity())));
        }
    }

    /**
     * What one {@link #replace} changed.
     *
     * @param added apps that were not there before
     * @param changed the new versions of apps whose settings differ
     * @param removed apps that are gone, as they were
     */
    public record Changes(List<App> added, List<App> changed, List<App> removed, Map<String, App> before) {
        public boolean isEmpty() {
            return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
        }
    }

    public AppRegistry(List<App> apps) {
        this.snapshot = Snapshot.of(apps);
    }

    /** The app with this id, or {@code null}. */
    public App byId(String id) {
        return id == null ? null : snapshot.byId().get(id);
    }

    /** The app with this key, or {@code null}. */
    public App byKey(String key) {
        return key == null ? null : snapshot.byKey().get(key);
    }

    /** Every app, in the order the store gave them. */
    public Collection<App> all() {
        return snapshot.apps();
    }

    /**
     * The current version of {@code app}: the one with its id and key now, or {@code app} itself
     * when it is gone or its key changed (its connections are being closed then).
     */
    public App current(App app) {
        App now = snapshot.byId().get(app.id());
        return now != null && now.key().equals(app.key()) ? now : app;
    }

    /** Calls {@code listener} after every {@link #replace} that changed something, on its thread. */
    public void onChange(Consumer<Changes> listener) {
        listeners.add(listener);
    }

    /**
     * Makes {@code apps} the registry's apps in one step and tells the listeners what changed.
     * Callers serialize their calls (one store, one thread); ids and keys must be unique.
     */
    public synchronized Changes replace(Collection<App> apps) {
        Snapshot old = snapshot;
        Snapshot next = Snapshot.of(apps);
        List<App> added = new ArrayList<>();
        List<App> changed = new ArrayList<>();
        List<App> removed = new ArrayList<>();
        for (App app : next.apps()) {
            App before = old.byId().get(app.id());
            if (before == null) {
                added.add(app);
            } else if (!Objects.equals(before, app)) {
                changed.add(app);
            }
        }
        for (App app : old.apps()) {
            if (!next.byId().containsKey(app.id())) {
                removed.add(app);
            }
        }
        snapshot = next;
        Changes changes = new Changes(List.copyOf(added), List.copyOf(changed), List.copyOf(removed), old.byId());
        if (!changes.isEmpty()) {
            for (Consumer<Changes> listener : listeners) {
                listener.accept(changes);
            }
        }
        return changes;
    }
}
