package io.switchboard.protocol;

/**
 * Client-supplied text quoted back in an error message (an event name, a query key): cut to a
 * small bound, so that an answer never grows with what a client sends.
 */
public final class ClientText {
    /** Characters of client text an error message quotes at most. */
    public static final int MAX_QUOTED = 64;

    private ClientText() {}

    /** {@code text} itself when short, else its first {@link #MAX_QUOTED} characters and "…". */
    public static String cut(String text) {
        if (text == null || text.length() <= MAX_QUOTED) {
            return text;
        }
        int end = MAX_QUOTED;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never split a surrogate pair
        }
        return text.substring(0, end) + "…";
    }
}
