package io.switchboard.dashboard;

import io.switchboard.config.AdminSettings;
import io.switchboard.config.DashboardSettings;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Who may use the dashboard, and protection against other sites using it through an operator's
 * browser.
 *
 * <ul>
 *   <li><b>Open</b> (no {@code admin.token}, no dashboard user): the admin listener is on loopback
 *       (the configuration insists), nobody logs in. Requests must name a loopback host or {@code
 *       admin.host} in {@code Host}, so a page that rebinds its own DNS name to 127.0.0.1 cannot
 *       read the dashboard.
 *   <li><b>Login</b>: the form takes the admin token, or the dashboard user and password; a match
 *       (compared in constant time) makes a session ({@link Sessions}) named by an {@code HttpOnly},
 *       {@code SameSite=Strict} cookie. Scripts may send {@code Authorization: Bearer <admin.token>}
 *       (or Basic with the dashboard user) instead. At most {@link #FAILED_LOGINS_PER_MINUTE}
 *       failed logins a minute are answered; more get 429.
 *   <li><b>Changes</b> (the event creator, logging out) are POSTs that must come from the
 *       dashboard's own pages: an {@code Origin} or {@code Sec-Fetch-Site} from anywhere else is
 *       refused, and a browser's request must carry the session's CSRF token (in the page) in
 *       {@code X-CSRF-Token} or a {@code csrf} form field. Bearer requests need neither: browsers
 *       never add that header by themselves.
 * </ul>
 */
final class DashboardAuth {
    static final String COOKIE = "switchboard_session";
    static final int FAILED_LOGINS_PER_MINUTE = 10;

    private final byte[] token;
    private final byte[] user;
    private final byte[] password;
    private final String adminHost;
    private final Sessions sessions;
    private final long sessionSeconds;
    /** The CSRF token of the open dashboard (no login): one per process. */
    private final String openCsrf = Sessions.random();

    private long failureWindowStart = System.nanoTime();
    private int failuresInWindow;

    /**
     * Who is asking.
     *
     * @param session the login, for a browser with a session cookie; {@code null} otherwise
     * @param csrf the CSRF token the request's changes must carry, or {@code null} when none is
     *     needed (bearer or basic credentials)
     */
    record Caller(Session session, String csrf) {}

    DashboardAuth(AdminSettings admin) {
        DashboardSettings d = admin.dashboard();
        this.token = admin.requiresToken() ? admin.token().getBytes(StandardCharsets.UTF_8) : null;
        this.user = d.hasUser() ? d.user().getBytes(StandardCharsets.UTF_8) : null;
        this.password = d.hasUser() ? d.password().getBytes(StandardCharsets.UTF_8) : null;
        this.adminHost = admin.host();
        this.sessionSeconds = TimeUnit.MINUTES.toSeconds(d.sessionMinutes());
        this.sessions = new Sessions(TimeUnit.MINUTES.toNanos(d.sessionMinutes()));
    }

    boolean loginRequired() {
        return token != null || user != null;
    }

    /** Whether the form should ask for a user name and password as well as the token. */
    boolean userLogin() {
        return user != null;
    }

    /** The caller, or {@code null} when it must log in first. */
    Caller authenticate(DashboardRequest request) {
        if (!loginRequired()) {
            return new Caller(null, openCsrf);
        }
        String authorization = request.header("authorization");
        if (authorization != null) {
            if (authorization.startsWith("Bearer ") && token != null) {
                return equal(token, authorization.substring(7)) ? new Caller(null, null) : null;
            }
            if (authorization.startsWith("Basic ") && user != null) {
                String decoded;
                try {
                    decoded = new String(
                            Base64.getDecoder()
                                    .decode(authorization.substring(6).trim()),
                            StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
                int colon = decoded.indexOf(':');
                return colon > 0
                                && equal(user, decoded.substring(0, colon))
                                        & equal(password, decoded.substring(colon + 1))
                        ? new Caller(null, null)
                        : null;
            }
            return null;
        }
        Session s = sessions.find(cookie(request, COOKIE));
        return s == null ? null : new Caller(s, s.csrfToken);
    }

    /** What a login attempt came to. */
    sealed interface Attempt {
        record Accepted(String sessionId) implements Attempt {}

        record Refused(String message) implements Attempt {}

        record TooMany() implements Attempt {}
    }

    /** Checks a submitted login form ({@code token}, or {@code user} and {@code password}). */
    synchronized Attempt login(Map<String, String> form) {
        long now = System.nanoTime();
        if (now - failureWindowStart > TimeUnit.MINUTES.toNanos(1)) {
            failureWindowStart = now;
            failuresInWindow = 0;
        }
        if (failuresInWindow >= FAILED_LOGINS_PER_MINUTE) {
            return new Attempt.TooMany();
        }
        String givenToken = form.getOrDefault("token", "");
        String givenUser = form.getOrDefault("user", "");
        boolean ok;
        if (!givenToken.isEmpty()) {
            ok = token != null && equal(token, givenToken);
        } else {
            ok = user != null && equal(user, givenUser) & equal(password, form.getOrDefault("password", ""));
        }
        if (!ok) {
            failuresInWindow++;
            return new Attempt.Refused(user != null ? "Wrong token, or wrong user name or password." : "Wrong token.");
        }
        return new Attempt.Accepted(sessions.create().id());
    }

    void logout(DashboardRequest request) {
        sessions.end(cookie(request, COOKIE));
    }

    String sessionCookie(String id) {
        return COOKIE + "=" + id + "; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=" + sessionSeconds;
    }

    static String clearedCookie() {
        return COOKIE + "=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0";
    }

    /**
     * Whether the {@code Host} the browser used may reach the open dashboard: a loopback name or
     * address, or {@code admin.host}. Behind a login any host may (the cookie is the guard).
     */
    boolean hostAllowed(DashboardRequest request) {
        if (loginRequired()) {
            return true;
        }
        String host = hostName(request.header("host"));
        return host != null
                && (host.equals("localhost")
                        || host.equals("127.0.0.1")
                        || host.equals("[::1]")
                        || host.equalsIgnoreCase(adminHost));
    }

    /**
     * Whether a POST comes from the dashboard's own pages as far as the browser says: {@code
     * Origin}, when sent, is this origin; {@code Sec-Fetch-Site}, when sent, is {@code
     * same-origin}.
     */
    static boolean sameOrigin(DashboardRequest request) {
        String site = request.header("sec-fetch-site");
        if (site != null && !site.equals("same-origin")) {
            return false;
        }
        String origin = request.header("origin");
        if (origin == null) {
            return true;
        }
        String host = request.header("host");
        try {
            URI o = URI.create(origin);
            String authority = o.getRawAuthority();
            return host != null && authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether a change carries the caller's CSRF token, where one is needed. */
    static boolean csrfOk(Caller caller, String given) {
        return caller.csrf() == null || given != null && equal(caller.csrf().getBytes(StandardCharsets.UTF_8), given);
    }

    static Map<String, String> form(byte[] body) {
        Map<String, String> out = new HashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.putIfAbsent(name, value);
            } catch (IllegalArgumentException e) {
                // a malformed field is left out
            }
        }
        return out;
    }

    static String cookie(DashboardRequest request, String name) {
        String header = request.header("cookie");
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(name + "=")) {
                return p.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** The host part of a {@code Host} header, lower case; IPv6 addresses keep their brackets. */
    private static String hostName(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    /** Constant-time comparison of the whole of both. */
    private static boolean equal(byte[] expected, String given) {
        return MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8));
    }
}
