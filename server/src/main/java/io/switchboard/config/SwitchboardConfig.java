package io.switchboard.config;

import io.switchboard.app.App;
import java.util.List;

/** The whole configuration, validated. */
public record SwitchboardConfig(
        ServerSettings server, LoggingSettings logging, List<App> apps, boolean demoApp, BrokerSettings broker) {

    public SwitchboardConfig {
        apps = List.copyOf(apps);
        broker = broker == null ? BrokerSettings.DEFAULTS : broker;
    }

    /** A single-process configuration (the memory broker). */
    public SwitchboardConfig(ServerSettings server, LoggingSettings logging, List<App> apps, boolean demoApp) {
        this(server, logging, apps, demoApp, BrokerSettings.DEFAULTS);
    }

    public SwitchboardConfig withServer(ServerSettings newServer) {
        return new SwitchboardConfig(newServer, logging, apps, demoApp, broker);
    }

    public SwitchboardConfig withBroker(BrokerSettings newBroker) {
        return new SwitchboardConfig(server, logging, apps, demoApp, newBroker);
    }
}
