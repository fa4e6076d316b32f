package io.switchboard.broker.memory;

import io.switchboard.broker.Broker;
import io.switchboard.broker.CacheStore;
import io.switchboard.broker.CountStore;
import io.switchboard.broker.PresenceStore;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Command;
import io.switchboard.core.Envelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The single-process broker: everything lives in this JVM, nothing to set up. */
public final class MemoryBroker implements Broker {
    /** Published events are delivered before {@link #publish} returns: settled at once. */
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private volatile Listener listener;
    private final Marks marks = new Marks();
    private final MemoryPresence presence = new MemoryPresence(marks);
    private final MemoryCounts counts = new MemoryCounts(marks);
    private final MemoryCache cache = new MemoryCache();
    private final MemoryHistory history;

    /** Channel histories may hold {@value #DEFAULT_HISTORY_BYTES} bytes together. */
    public MemoryBroker() {
        this(DEFAULT_HISTORY_BYTES);
    }

    /** @param historyMaxBytes what all channel histories may hold together */
    public MemoryBroker(long historyMaxBytes) {
        this.history = new MemoryHistory(historyMaxBytes, System::currentTimeMillis);
    }

    public static final long DEFAULT_HISTORY_BYTES = 256L << 20;

    @Override
    public void start(Listener listener) {
        this.listener = listener;
    }

    @Override
    public CompletionStage<Void> publish(ChannelKey channel, Envelope envelope) {
        if (envelope.history() != null) {
            history.append(channel, envelope, listener::onEvent);
        } else {
            listener.onEvent(channel, envelope);
        }
        return DONE;
    }

    @Override
    public void subscribe(ChannelKey channel) {}

    @Override
    public void unsubscribe(ChannelKey channel) {}

    @Override
    public void broadcast(Command command) {
        listener.onCommand(command);
    }

    @Override
    public PresenceStore presence() {
        return presence;
    }

    @Override
    public CountStore counts() {
        return counts;
    }

    @Override
    public CacheStore cache() {
        return cache;
    }

    @Override
    public MemoryHistory history() {
        return history;
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public void close() {}

    /** Members of one channel; guarded by the map's compute lock and its own monitor for reads. */
}
