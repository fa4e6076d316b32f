package io.switchboard.config;

import io.switchboard.app.App;
import java.util.List;

/** The whole configuration, validated. */
public record SwitchboardConfig(ServerSettings server, LoggingSettings logging, List<App> apps, boolean demoApp) {

    public SwitchboardConfig {
        apps = List.copyOf(apps);
    }

    public SwitchboardConfig withServer(ServerSettings newServer) {
        return new SwitchboardConfig(newServer, logging, apps, demoApp);
    }
}
