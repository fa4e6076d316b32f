package io.switchboard.config;

/**
 * The operator dashboard and debug console on the admin listener (the {@code admin.dashboard:}
 * section).
 *
 * @param enabled whether {@code /dashboard} is served at all
 * @param user with {@code password}: a login besides the admin token (both or neither)
 * @param password see {@code user}; at least 12 characters
 * @param sessionMinutes how long a login lasts
 * @param maxViewers debug console streams open at once on this node, over every app
 * @param maxViewersPerApp debug console streams of one app open at once on this node
 * @param viewerEventsPerSecond events one console stream shows per second at most; more are
 *     counted and reported as sampled
 * @param eventsPerSecondPerApp debug events of one app a node produces per second at most while
 *     someone watches it; more are counted and reported as sampled
 * @param viewerTimeoutMinutes a console stream ends after this long (the page offers to resume)
 */
public record DashboardSettings(
        boolean enabled,
        String user,
        String password,
        int sessionMinutes,
        int maxViewers,
        int maxViewersPerApp,
        int viewerEventsPerSecond,
        int eventsPerSecondPerApp,
        int viewerTimeoutMinutes) {

    public static final DashboardSettings DEFAULTS = new DashboardSettings(true, "", "", 480, 20, 5, 50, 500, 60);

    /** Whether a user name and password are configured. */
    public boolean hasUser() {
        return user != null && !user.isEmpty() && password != null && !password.isEmpty();
    }
}
