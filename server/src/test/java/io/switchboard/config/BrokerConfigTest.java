package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsToTheMemoryBroker() {
        SwitchboardConfig config = ConfigLoader.load(null, Map.of());
        assertThat(config.broker()).isEqualTo(BrokerSettings.DEFAULTS);
        assertThat(config.broker().usesRedis()).isFalse();
        assertThat(config.broker().redis().url()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(config.broker().redis().keyPrefix()).isEqualTo("switchboard:");
        assertThat(config.broker().redis().heartbeatIntervalMs()).isEqualTo(2000);
        assertThat(config.broker().redis().nodeTimeoutMs()).isEqualTo(10000);
        assertThat(config.broker().redis().commandTimeoutMs()).isEqualTo(5000);
    }

    @Test
    void everyBrokerSettingCanComeFromTheEnvironment() {
        SwitchboardConfig config = ConfigLoader.load(
                null,
                Map.of(
                        "SWITCHBOARD_BROKER__DRIVER", "redis",
                        "SWITCHBOARD_BROKER__REDIS__URL", "redis://10.0.0.5:6380/2",
                        "SWITCHBOARD_BROKER__REDIS__KEY_PREFIX", "eu-west:",
                        "SWITCHBOARD_BROKER__REDIS__HEARTBEAT_INTERVAL_MS", "500",
                        "SWITCHBOARD_BROKER__REDIS__NODE_TIMEOUT_MS", "3000",
                        "SWITCHBOARD_BROKER__REDIS__COMMAND_TIMEOUT_MS", "1000",
                        "SWITCHBOARD_SERVER__NODE_ID", "node-1"));
        RedisSettings redis = config.broker().redis();
        assertThat(config.broker().usesRedis()).isTrue();
        assertThat(redis.url()).isEqualTo("redis://10.0.0.5:6380/2");
        assertThat(redis.keyPrefix()).isEqualTo("eu-west:");
        assertThat(redis.heartbeatIntervalMs()).isEqualTo(500);
        assertThat(redis.nodeTimeoutMs()).isEqualTo(3000);
        assertThat(redis.commandTimeoutMs()).isEqualTo(1000);
        assertThat(redis.cluster()).isFalse();
    }

    @Test
    void clusterSeedsComeAsAListOrByIndex() {
        RedisSettings flow = ConfigLoader.load(
                        null,
                        Map.of(
                                "SWITCHBOARD_BROKER__DRIVER",
                                "redis",
                                "SWITCHBOARD_BROKER__REDIS__CLUSTER_NODES",
                                "[redis://10.0.0.1:7001, redis://10.0.0.2:7002]"))
                .broker()
                .redis();
        assertThat(flow.clusterNodes()).containsExactly("redis://10.0.0.1:7001", "redis://10.0.0.2:7002");
        assertThat(flow.cluster()).isTrue();

        RedisSettings indexed = ConfigLoader.load(
                        null,
                        Map.of(
                                "SWITCHBOARD_BROKER__DRIVER", "redis",
                                "SWITCHBOARD_BROKER__REDIS__CLUSTER_NODES__0", "redis://10.0.0.1:7001"))
                .broker()
                .redis();
        assertThat(indexed.clusterNodes()).containsExactly("redis://10.0.0.1:7001");
    }

    @Test
    void readsTheBrokerSectionFromTheFile() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, """
                broker:
                  driver: redis
                  redis:
                    cluster_nodes:
                      - redis://127.0.0.1:7001
                      - redis://127.0.0.1:7002
                    node_timeout_ms: 6000
                """);
        SwitchboardConfig config = ConfigLoader.load(file, Map.of());
        assertThat(config.broker().redis().clusterNodes())
                .isEqualTo(List.of("redis://127.0.0.1:7001", "redis://127.0.0.1:7002"));
        assertThat(config.broker().redis().nodeTimeoutMs()).isEqualTo(6000);
        assertThat(config.broker().redis().heartbeatIntervalMs())
                .as("default kept")
                .isEqualTo(2000);
    }

    @Test
    void rejectsSettingsThatCannotWork() {
        assertRejected(Map.of("SWITCHBOARD_BROKER__DRIVER", "kafka"), "broker.driver: must be memory or redis");
        assertRejected(
                Map.of("SWITCHBOARD_BROKER__DRIVER", "redis", "SWITCHBOARD_BROKER__REDIS__URL", "http://x:1"),
                "broker.redis.url: must be a redis:// or rediss:// URL");
        assertRejected(
                Map.of(
                        "SWITCHBOARD_BROKER__DRIVER", "redis",
                        "SWITCHBOARD_BROKER__REDIS__NODE_TIMEOUT_MS", "3000"),
                "broker.redis.node_timeout_ms: must be at least twice heartbeat_interval_ms (4000)");
        assertRejected(
                Map.of("SWITCHBOARD_BROKER__DRIVER", "redis", "SWITCHBOARD_BROKER__REDIS__KEY_PREFIX", "\"{a}\""),
                "broker.redis.key_prefix: must not contain { or }");
        assertRejected(
                Map.of("SWITCHBOARD_BROKER__DRIVER", "redis", "SWITCHBOARD_SERVER__NODE_ID", "node:1"),
                "server.node_id: must use only");
        assertRejected(Map.of("SWITCHBOARD_BROKER__REDIS__TIMEOUT", "1"), "unknown key 'timeout'");
    }

    private static void assertRejected(Map<String, String> env, String problem) {
        assertThatThrownBy(() -> ConfigLoader.load(null, env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(problem);
    }
}
