package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code pusher_internal:subscription_count} (pusher-protocol.md §5): an app that turns it on tells
 * a channel's subscribers its cluster-wide subscription count whenever it changes.
 */
class SubscriptionCountEventsTest {
    private final App counting = TestApps.withSubscriptionCountEvents(TestApps.app("counting"));
    private final App quiet = TestApps.app("quiet");
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T open(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private static long nextCount(RawClient client, String channel) {
        return RawWebSocket.data(client.expect("pusher_internal:subscription_count", channel))
                .path("subscription_count")
                .asLong(-1);
    }

    @Test
    void subscribersAreToldTheCountWhenItChanges() {
        TestServer server = open(TestServer.start(counting));
        RawClient a = open(RawClient.connect(server, counting));
        a.subscribe("room");
        assertThat(nextCount(a, "room")).isEqualTo(1);

        RawClient b = open(RawClient.connect(server, counting));
        b.subscribe("room");
        assertThat(nextCount(a, "room")).isEqualTo(2);
        assertThat(nextCount(b, "room")).isEqualTo(2);

        b.unsubscribe("room");
        assertThat(nextCount(a, "room")).isEqualTo(1);
        a.expectOnlyPong();
    }

    @Test
    void changesWithinTheWindowAreSentOnceWithTheLatestCount() {
        TestServer server = open(TestServer.start(counting));
        RawClient watcher = open(RawClient.connect(server, counting));
        watcher.subscribe("room");
        assertThat(nextCount(watcher, "room")).isEqualTo(1);
        RawClient toggler = open(RawClient.connect(server, counting));
        String subscribe = "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"room\"}}";
        String unsubscribe = "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"room\"}}";

        // Read in one go: the count goes 2, 1, 2, 1, 2, 1 within microseconds, well inside 200 ms.
        long sent = System.nanoTime();
        toggler.ws().sendTextsAtOnce(List.of(subscribe, unsubscribe, subscribe, unsubscribe, subscribe, unsubscribe));

        assertThat(nextCount(watcher, "room"))
                .as("one event for the window, with the count at its end, not the first change's")
                .isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - sent))
                .as("sent when the window of the first change ends")
                .isGreaterThanOrEqualTo(Duration.ofMillis(200));
        Rest.trigger(server.rest(counting), "room", "fence", Map.of());
        watcher.expect("fence", "room");
    }

    @Test
    void theCountOfANodeClusterIsClusterWide() {
        TestRedis redis = open(TestRedis.standalone());
        BrokerSettings broker = BrokerSettings.redis(redis.settings());
        TestServer one = open(TestServer.start(broker, counting));
        TestServer two = open(TestServer.start(broker, counting));
        RawClient a = open(RawClient.connect(one, counting));
        a.subscribe("room");
        assertThat(nextCount(a, "room")).isEqualTo(1);

        RawClient b = open(RawClient.connect(two, counting));
        b.subscribe("room");
        assertThat(nextCount(b, "room")).isEqualTo(2);
        assertThat(nextCount(a, "room")).isEqualTo(2);
    }

    @Test
    void presenceChannelsAndAppsThatDoNotAskGetNone() {
        TestServer server = open(TestServer.start(counting, quiet));
        RawClient off = open(RawClient.connect(server, quiet));
        off.subscribe("room");
        RawClient member = open(RawClient.connect(server, counting));
        member.joinAs("presence-room", "u1");
        // Had either of those produced a count event, it would have been due before this one.
        member.subscribe("fence");
        assertThat(nextCount(member, "fence")).isEqualTo(1);

        Rest.trigger(server.rest(quiet), "room", "after", Map.of());
        off.expect("after", "room");
    }
}
