package io.switchboard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.app.App;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With the Redis broker: {@code switchboard_broker_round_trip_seconds} times every command, {@code
 * switchboard_broker_up} follows Redis's answers and {@code switchboard_broker_reconnects_total}
 * counts connections opened again after Redis went away.
 */
class BrokerMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final App app = TestApps.app("a");
    private final TestRedis redis = TestRedis.standalone();
    private final TestServer server = TestServer.start(BrokerSettings.redis(redis.settings()), app);

    @AfterEach
    void stop() {
        server.close();
        redis.close();
    }

    @Test
    void roundTripsAreTimedAndAReconnectIsCounted() {
        assertThat(server.metric("switchboard_broker_up")).isEqualTo(1);
        assertThat(server.metric("switchboard_broker_reconnects_total")).isZero();
        double before = server.metric("switchboard_broker_round_trip_seconds_count");
        assertThat(before).as("the start's commands and heartbeats").isPositive();
        try (RawClient client = RawClient.connect(server, app)) {
            client.subscribe("news");
            Rest.trigger(server.rest(app), "news", "e", Map.of());
            client.expect("e", "news");
        }
        assertThat(server.metric("switchboard_broker_round_trip_seconds_count"))
                .as("subscribe, counts, publish")
                .isGreaterThan(before);

        redis.stop();
        await().atMost(WAIT).until(() -> server.metric("switchboard_broker_up") == 0);
        redis.restart();
        await().atMost(WAIT).until(() -> server.metric("switchboard_broker_up") == 1);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(server.metric("switchboard_broker_reconnects_total"))
                        .as("the command and the pub/sub connection")
                        .isEqualTo(2));
    }
}
