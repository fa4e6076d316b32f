package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.Encryption;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Cache channels (pusher-protocol.md §3): the last REST event is replayed to new subscribers. */
class CacheChannelTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @ParameterizedTest
    @ValueSource(strings = {"cache-news", "private-cache-news", "private-encrypted-cache-news"})
    void emptyCacheSendsCacheMissRightAfterSubscriptionSucceeded(String channel) {
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe(channel);

            client.expect("pusher:cache_miss", channel);
            client.expectOnlyPong();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cache-news", "private-cache-news", "private-encrypted-cache-news"})
    void newSubscriberGetsTheLastRestEventAsTheSameFrame(String channel) {
        try (RawClient early = RawClient.connect(server, app);
                RawClient late = RawClient.connect(server, app)) {
            early.subscribe(channel);
            early.expect("pusher:cache_miss", channel);
            Rest.trigger(Encryption.rest(server, app), channel, "score", Map.of("home", 1));
            Rest.trigger(Encryption.rest(server, app), channel, "score", Map.of("home", 2));
            RawWebSocket.Frame first = early.ws().nextFrame();
            RawWebSocket.Frame original = early.ws().nextFrame();

            late.subscribe(channel);

            RawWebSocket.Frame replayed = late.ws().nextFrame();
            assertThat(replayed.text()).isEqualTo(original.text());
            assertThat(original.text()).contains("\"event\":\"score\"").isNotEqualTo(first.text());
            late.expectOnlyPong();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void theLastEventExpiresAfterCacheTtlSecondsAndLaterSubscribersGetACacheMiss(String broker) {
        int ttlSeconds = 2;
        App shortLived = TestApps.withLimits(TestApps.app("ttl"), l -> {
            l.cacheTtlSeconds = ttlSeconds;
            return l;
        });
        try (TestRedis redis = broker.equals("redis") ? TestRedis.standalone() : null;
                TestServer node = redis == null
                        ? TestServer.start(shortLived)
                        : TestServer.start(BrokerSettings.redis(redis.settings()), shortLived)) {
            long published = System.nanoTime();
            Rest.trigger(node.rest(shortLived), "cache-news", "score", Map.of("home", 1));
            assertThat(firstEventOfANewSubscriber(node, shortLived, "cache-news"))
                    .as("cached at first")
                    .isEqualTo("score");

            await().atMost(Duration.ofSeconds(ttlSeconds + 15))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> firstEventOfANewSubscriber(node, shortLived, "cache-news")
                            .equals("pusher:cache_miss"));
            assertThat(Duration.ofNanos(System.nanoTime() - published))
                    .as("not gone before the TTL")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(ttlSeconds));
        }
    }

    /** The event a client subscribing now to {@code channel} is given right after the success. */
    private static String firstEventOfANewSubscriber(TestServer node, App app, String channel) {
        try (RawClient client = RawClient.connect(node, app)) {
            client.subscribe(channel);
            return client.next().path("event").asText();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"presence-cache-news"})
    void presenceCacheReplaysAfterTheMemberList(String channel) {
        try (RawClient early = RawClient.connect(server, app);
                RawClient late = RawClient.connect(server, app)) {
            early.joinAs(channel, "u1");
            early.expect("pusher:cache_miss", channel);
            Rest.trigger(server.rest(app), channel, "score", Map.of("home", 3));
            RawWebSocket.Frame original = early.ws().nextFrame();

            late.joinAs(channel, "u2");

            assertThat(late.ws().nextFrame().text()).isEqualTo(original.text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"private-cache-news", "presence-cache-news"})
    void clientEventsAreNotCached(String channel) {
        try (RawClient sender = RawClient.connect(server, app);
                RawClient other = RawClient.connect(server, app);
                RawClient late = RawClient.connect(server, app)) {
            subscribe(sender, channel, "u1");
            sender.expect("pusher:cache_miss", channel);
            subscribe(other, channel, "u2");
            other.expect("pusher:cache_miss", channel);

            sender.trigger(channel, "client-typing", "{\"on\":true}");
            other.expect("client-typing", channel);

            subscribe(late, channel, "u3");
            late.expect("pusher:cache_miss", channel);
        }
    }

    private static void subscribe(RawClient client, String channel, String userId) {
        if (channel.startsWith("presence-")) {
            client.joinAs(channel, userId);
        } else {
            client.subscribe(channel);
        }
    }
}
