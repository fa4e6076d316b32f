package io.switchboard.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what limits refuse or close, by app and {@link Limit}: {@code
 * switchboard_limit_rejections_total{app, reason}}. A series appears with its first rejection, so
 * an app that never meets a limit adds none. Thread-safe; counting is a map lookup and an add, done
 * only when a limit is met, never on a path that succeeds.
 */
public final class LimitRejections {
    /** Counts nothing: for components built without metrics. */
    public static final LimitRejections NONE = new LimitRejections(null);

    static final String NAME = "switchboard.limit.rejections";

    private final MeterRegistry registry;
    private final ConcurrentHashMap<Key, LongAdder> counts = new ConcurrentHashMap<>();

    private record Key(String app, Limit limit) {}

    LimitRejections(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param appId the app whose connection or request met the limit, or {@code null} when it is a
     *     server-wide limit met before any app is known (exported as {@code app=""})
     */
    public void count(String appId, Limit limit) {
        if (registry == null) {
            return;
        }
        Key key = new Key(appId == null ? "" : appId, limit);
        LongAdder n = counts.get(key);
        if (n == null) {
            n = counts.computeIfAbsent(key, this::register);
        }
        n.increment();
    }

    private LongAdder register(Key key) {
        LongAdder n = new LongAdder();
        FunctionCounter.builder(NAME, n, LongAdder::sum)
                .description("Connections, subscriptions, events and requests refused or closed by a limit, by the"
                        + " setting that sets it")
                .tags("app", key.app(), "reason", key.limit().label())
                .register(registry);
        return n;
    }
}
