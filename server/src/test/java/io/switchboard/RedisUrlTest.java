package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.RedisSettings;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.WebhookReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code broker.redis.url} as configuration.md writes it, {@code redis://[:password@]host[:port][/db]}:
 * nodes authenticate with the password and keep their state, and the webhook queue, in that
 * database.
 */
class RedisUrlTest {
    private static final String PASSWORD = "url-pass-7f3a";

    @Test
    void nodesAuthenticateWithThePasswordAndKeepTheirKeysInTheDatabaseOfTheUrl() {
        try (WebhookReceiver receiver = WebhookReceiver.start();
                TestRedis redis = TestRedis.standalone(PASSWORD)) {
            App app = TestApps.withWebhooks(TestApps.app("a"), TestApps.webhook(receiver.url()));
            RedisSettings settings = redis.settings()
                    .withUrl("redis://:" + PASSWORD + "@127.0.0.1:"
                            + redis.ports().get(0) + "/3");
            BrokerSettings broker = BrokerSettings.redis(settings);
            try (TestServer a = TestServer.start(broker, app);
                    TestServer b = TestServer.start(broker, app);
                    RawClient client = RawClient.connect(a, app)) {
                client.subscribe("news");
                Rest.trigger(b.rest(app), "news", "across-nodes", Map.of());
                client.expect("across-nodes", "news");
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> receiver.eventNames().contains("channel_occupied"));

                redis.withDatabase(
                        3,
                        c -> assertThat(c.sync().keys(settings.keyPrefix() + "*"))
                                .as("keys in database 3")
                                .isNotEmpty());
                redis.withDatabase(
                        0,
                        c -> assertThat(c.sync().keys("*"))
                                .as("nothing in database 0")
                                .isEmpty());
            }
        }
    }
}
