package io.switchboard.protocol;

/**
 * Text a client sent, quoted back in an error message. Quotes are cut short: a client must not be
 * able to make the server write more than it reads, however long the names it sends.
 */
public final class ClientText {
    /** Characters of client text an error message quotes at most. */
    public static final int MAX_QUOTED = 64;

    private ClientText() {}

    /** {@code text} itself when short enough, else its first 64 characters and an ellipsis. */
    public static String quote(String text) {
        if (text == null || text.length() <= MAX_QUOTED) {
            return text;
        }
        int end = MAX_QUOTED;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never half a character
        }
        return text.substring(0, end) + "\u2026";
    }
}
