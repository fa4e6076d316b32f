package io.switchboard.config;

import io.switchboard.app.App;
import java.util.List;

/** The whole configuration, validated. */
public record SwitchboardConfig(
        ServerSettings server,
        LoggingSettings logging,
        TlsSettings tls,
        WebhookSettings webhooks,
        BrokerSettings broker,
        AdminSettings admin,
        AppStoreSettings appStore,
        List<App> apps,
        boolean demoApp) {

    public SwitchboardConfig {
        apps = List.copyOf(apps);
    }

    /** A configuration whose apps come from the YAML {@code apps} list. */
    public SwitchboardConfig(
            ServerSettings server,
            LoggingSettings logging,
            TlsSettings tls,
            WebhookSettings webhooks,
            BrokerSettings broker,
            AdminSettings admin,
            List<App> apps,
            boolean demoApp) {
        this(server, logging, tls, webhooks, broker, admin, AppStoreSettings.DEFAULTS, apps, demoApp);
    }

    /** A single-process configuration with defaults for everything but the server settings and apps. */
    public static SwitchboardConfig of(ServerSettings server, List<App> apps) {
        return new SwitchboardConfig(
                server,
                LoggingSettings.DEFAULTS,
                TlsSettings.DEFAULTS,
                WebhookSettings.DEFAULTS,
                BrokerSettings.DEFAULTS,
                AdminSettings.DEFAULTS,
                AppStoreSettings.DEFAULTS,
                apps,
                false);
    }

    public SwitchboardConfig withServer(ServerSettings newServer) {
        return new SwitchboardConfig(newServer, logging, tls, webhooks, broker, admin, appStore, apps, demoApp);
    }

    public SwitchboardConfig withTls(TlsSettings newTls) {
        return new SwitchboardConfig(server, logging, newTls, webhooks, broker, admin, appStore, apps, demoApp);
    }

    public SwitchboardConfig withWebhooks(WebhookSettings newWebhooks) {
        return new SwitchboardConfig(server, logging, tls, newWebhooks, broker, admin, appStore, apps, demoApp);
    }

    public SwitchboardConfig withBroker(BrokerSettings newBroker) {
        return new SwitchboardConfig(server, logging, tls, webhooks, newBroker, admin, appStore, apps, demoApp);
    }

    public SwitchboardConfig withAdmin(AdminSettings newAdmin) {
        return new SwitchboardConfig(server, logging, tls, webhooks, broker, newAdmin, appStore, apps, demoApp);
    }

    public SwitchboardConfig withAppStore(AppStoreSettings newAppStore) {
        return new SwitchboardConfig(server, logging, tls, webhooks, broker, admin, newAppStore, apps, demoApp);
    }
}
