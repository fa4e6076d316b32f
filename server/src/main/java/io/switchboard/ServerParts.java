package io.switchboard;

import io.switchboard.app.App;
import io.switchboard.appstore.AppStore;
import io.switchboard.appstore.PostgresAppStore;
import io.switchboard.appstore.YamlAppStore;
import io.switchboard.broker.Broker;
import io.switchboard.broker.memory.MemoryBroker;
import io.switchboard.broker.redis.RedisBroker;
import io.switchboard.config.BrokerSettings;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.metrics.Metrics;
import io.switchboard.webhook.FileWebhookQueue;
import io.switchboard.webhook.RedisWebhookQueue;
import io.switchboard.webhook.WebhookQueue;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which implementation of each seam the configuration asks for: broker, app store, webhook queue. */
final class ServerParts {
    private static final Logger log = LoggerFactory.getLogger("switchboard.server");

    private ServerParts() {}

    static String nodeId(SwitchboardConfig config, Broker broker) {
        return broker instanceof RedisBroker redis
                ? redis.nodeId()
                : config.server().nodeId();
    }

    /**
     * The configured app store. A PostgreSQL store is given the YAML {@code apps} it does not have
     * yet (by id), so moving from the file to the database is one start with both configured.
     */
    static AppStore appStore(SwitchboardConfig config) {
        if (!config.appStore().usesPostgres()) {
            return new YamlAppStore(config.apps());
        }
        PostgresAppStore store = new PostgresAppStore(config.appStore());
        try {
            for (App app : config.apps()) {
                if (store.find(app.id()).isEmpty()) {
                    store.create(app);
                    log.info("app store: added app {} from the configuration file", app.id());
                }
            }
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /** In a cluster the queue is shared through Redis, so any node delivers what another formed. */
    static WebhookQueue webhookQueue(SwitchboardConfig config, Broker broker) {
        if (broker instanceof RedisBroker redis) {
            return RedisWebhookQueue.connect(
                    config.broker().redis(), redis.nodeId(), config.webhooks().maxBacklogBytes());
        }
        return new FileWebhookQueue(
                Path.of(config.webhooks().dataDir(), "webhooks"),
                config.webhooks().sync(),
                config.webhooks().maxBacklogBytes());
    }

    static Broker broker(BrokerSettings settings, String configuredNodeId, Metrics metrics) {
        if (!settings.usesRedis()) {
            return new MemoryBroker(settings.history().maxMemoryBytes());
        }
        String nodeId = configuredNodeId == null || configuredNodeId.isEmpty() ? randomNodeId() : configuredNodeId;
        return RedisBroker.connect(settings.redis(), nodeId, metrics.brokerRoundTrip());
    }

    static String randomNodeId() {
        byte[] bytes = new byte[6];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
