package io.switchboard.channel;

import io.netty.util.concurrent.EventExecutor;
import io.switchboard.broker.Broker;
import io.switchboard.core.ChannelKey;
import io.switchboard.protocol.ServerFrames;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code pusher_internal:subscription_count} to the subscribers of a channel whose
 * subscription count changed, for apps that turn it on (pusher-protocol.md §5, an opt-in feature;
 * never on presence channels, whose members carry the count).
 *
 * <p>Changes are coalesced per channel for {@link #WINDOW_MS}: when the window ends, the node reads
 * the cluster-wide count and publishes it once to every subscriber on every node. A thousand
 * clients joining at once cost a few events, not a million, and the count sent is the latest one
 * whatever order the changes completed in.
 */
final class SubscriptionCountEvents {
    static final long WINDOW_MS = 200;

    private static final Logger log = LoggerFactory.getLogger("switchboard.channel");

    private final Broker broker;
    private final EventExecutor timer;
    private final Predicate<String> enabled;
    private final BiConsumer<ChannelKey, byte[]> publish;
    private final Set<ChannelKey> due = ConcurrentHashMap.newKeySet();

    /**
     * @param enabled whether an app (by id) has the feature on
     * @param publish sends a frame to every subscriber of a channel on every node
     */
    SubscriptionCountEvents(
            Broker broker, EventExecutor timer, Predicate<String> enabled, BiConsumer<ChannelKey, byte[]> publish) {
        this.broker = broker;
        this.timer = timer;
        this.enabled = enabled;
        this.publish = publish;
    }

    /** The subscription count of a non-presence channel changed. Safe from any thread. */
    void changed(ChannelKey channel) {
        if (enabled.test(channel.appId()) && due.add(channel)) {
            timer.schedule(() -> send(channel), WINDOW_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void send(ChannelKey channel) {
        due.remove(channel);
        broker.counts().count(channel).whenComplete((count, error) -> {
            if (error != null) {
                log.debug("subscription count of {} not sent: {}", channel, error.toString());
            } else if (count > 0) {
                publish.accept(channel, ServerFrames.subscriptionCount(channel.name(), count));
            }
        });
    }
}
