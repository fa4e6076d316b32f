package io.switchboard.config;

/**
 * Where apps live (the {@code app_store:} section).
 *
 * @param driver {@code yaml} (the {@code apps} list of the configuration, read-only through the
 *     admin API; the default) or {@code postgres} (a PostgreSQL table, changed live through the
 *     admin API)
 * @param url the JDBC URL of the PostgreSQL database, e.g. {@code
 *     jdbc:postgresql://db:5432/switchboard}
 * @param user the database user; empty to take it from the URL
 * @param password the database password; empty to take it from the URL
 * @param poolSize connections the store keeps open to the database, besides the one that listens
 *     for changes
 * @param reloadIntervalSeconds how often every app is read again, in case a change notification
 *     was lost (changes normally arrive within a second through LISTEN/NOTIFY)
 */
public record AppStoreSettings(
        String driver, String url, String user, String password, int poolSize, int reloadIntervalSeconds) {

    public static final AppStoreSettings DEFAULTS = new AppStoreSettings("yaml", "", "", "", 4, 60);

    /** The {@code postgres} driver on {@code jdbcUrl}, with the other settings' defaults. */
    public static AppStoreSettings postgres(String jdbcUrl, String user) {
        return new AppStoreSettings("postgres", jdbcUrl, user, "", 4, 60);
    }

    public boolean usesPostgres() {
        return "postgres".equals(driver);
    }

    @Override
    public String toString() {
        return "AppStoreSettings[driver=" + driver + ", url=" + url + ", user=" + user + ", password="
                + (password == null || password.isEmpty() ? "" : "***") + "]";
    }
}
