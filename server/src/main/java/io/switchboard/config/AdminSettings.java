package io.switchboard.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The admin listener (the {@code admin:} section): {@code /metrics} and every operator endpoint,
 * never on the public port.
 *
 * @param enabled whether the admin listener runs at all
 * @param host address to listen on; loopback by default
 * @param port port to listen on; 0 picks a free one
 * @param token bearer token every admin request must carry ({@code Authorization: Bearer ...});
 *     required when {@code host} is not a loopback address, optional otherwise
 * @param dashboard the operator dashboard and debug console ({@code /dashboard})
 */
public record AdminSettings(boolean enabled, String host, int port, String token, DashboardSettings dashboard) {

    public static final AdminSettings DEFAULTS =
            new AdminSettings(true, "127.0.0.1", 9601, "", DashboardSettings.DEFAULTS);

    /** Settings with the default dashboard. */
    public AdminSettings(boolean enabled, String host, int port, String token) {
        this(enabled, host, port, token, DashboardSettings.DEFAULTS);
    }

    /** Whether requests must carry the token. */
    public boolean requiresToken() {
        return token != null && !token.isEmpty();
    }

    /** Whether {@code host} only accepts connections from this machine. */
    boolean loopbackOnly() {
        if (host == null || host.isBlank()) {
            return false;
        }
        if (host.equals("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public AdminSettings withPort(int newPort) {
        return new AdminSettings(enabled, host, newPort, token, dashboard);
    }

    AdminSettings withDashboard(DashboardSettings newDashboard) {
        return new AdminSettings(enabled, host, port, token, newDashboard);
    }
}
