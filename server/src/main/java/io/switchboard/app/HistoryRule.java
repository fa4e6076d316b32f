package io.switchboard.app;

/**
 * Which channels keep a history of their events, and how much (an entry of an app's {@code
 * history} list).
 *
 * @param channels an exact channel name, or a pattern where {@code *} matches any run of characters
 * @param maxEvents the last events kept per channel, 1 to {@link #MAX_EVENTS}
 * @param maxAgeSeconds nothing older is kept or replayed
 * @param rewind events replayed to each new subscriber that does not resume (0 for none)
 * @param rewindSeconds events of the last that many seconds replayed to each new subscriber that
 *     does not resume (0 for none); with {@code rewind} too, both bounds apply
 */
public record HistoryRule(String channels, int maxEvents, int maxAgeSeconds, int rewind, int rewindSeconds) {

    /** The most events one rule may keep per channel. */
    public static final int MAX_EVENTS = 10_000;

    public static final int DEFAULT_MAX_EVENTS = 100;
    public static final int DEFAULT_MAX_AGE_SECONDS = 86_400;

    /** The longest a rule may keep events: 30 days. */
    public static final int MAX_AGE_SECONDS = 30 * 86_400;

    /** Whether a new subscriber without {@code resume_after} is sent past events. */
    public boolean rewinds() {
        return rewind > 0 || rewindSeconds > 0;
    }

    public long maxAgeMs() {
        return maxAgeSeconds * 1000L;
    }

    /** Whether {@code channel} is one this rule names. */
    public boolean matches(String channel) {
        return matches(channels, 0, channel, 0);
    }

    private static boolean matches(String pattern, int p, String name, int n) {
        // Iterative glob with backtracking to the last '*': linear in practice, no regex.
        int star = -1;
        int mark = 0;
        while (n < name.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = n;
            } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
                p++;
                n++;
            } else if (star >= 0) {
                p = star + 1;
                n = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
