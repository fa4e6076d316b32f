package io.switchboard.protocol;

/** Channel-name rules (pusher-protocol.md §3). */
public final class ChannelNames {
    public static final String SERVER_TO_USER_PREFIX = "#server-to-user-";

    private ChannelNames() {}

    /**
     * Returns why {@code name} is not a valid channel name, or {@code null} when it is valid.
     *
     * @param maxLength the app's limit, prefix included
     */
    public static String problem(String name, int maxLength) {
        if (name == null || name.isEmpty()) {
            return "Channel name must not be empty";
        }
        if (name.length() > maxLength) {
            return "Channel name is longer than " + maxLength + " characters";
        }
        int start = 0;
        if (name.startsWith(SERVER_TO_USER_PREFIX)) {
            start = SERVER_TO_USER_PREFIX.length();
            if (start == name.length()) {
                return "Channel name " + SERVER_TO_USER_PREFIX + " needs a user id";
            }
        }
        for (int i = start; i < name.length(); i++) {
            if (!allowed(name.charAt(i))) {
                return "Invalid channel name '"
                        + name
                        + "': only A-Z a-z 0-9 _ - = @ , . ; are allowed"
                        + (name.charAt(i) == '#' ? " ('#' only in #server-to-user-{id})" : "");
            }
        }
        return null;
    }

    public static boolean isValid(String name, int maxLength) {
        return problem(name, maxLength) == null;
    }

    /** The user id of a {@code #server-to-user-{id}} channel. */
    public static String serverToUserId(String name) {
        return name.substring(SERVER_TO_USER_PREFIX.length());
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '_'
                || c == '-'
                || c == '='
                || c == '@'
                || c == ','
                || c == '.'
                || c == ';';
    }
}
