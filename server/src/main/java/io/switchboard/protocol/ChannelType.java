package io.switchboard.protocol;

/**
 * The kind of a channel, decided by its name prefix (pusher-protocol.md §3). Flags say what each
 * kind allows so callers never match on names themselves.
 */
public enum ChannelType {
    PRIVATE_ENCRYPTED_CACHE(true, false, true, true, false),
    PRIVATE_ENCRYPTED(true, false, false, true, false),
    PRIVATE_CACHE(true, true, true, false, false),
    PRIVATE(true, true, false, false, false),
    PRESENCE_CACHE(true, true, true, false, true),
    PRESENCE(true, true, false, false, true),
    SERVER_TO_USER(false, false, false, false, false),
    PUBLIC_CACHE(false, false, true, false, false),
    PUBLIC(false, false, false, false, false);

    private final boolean signed;
    private final boolean clientEvents;
    private final boolean cache;
    private final boolean encrypted;
    private final boolean presence;

    ChannelType(boolean signed, boolean clientEvents, boolean cache, boolean encrypted, boolean presence) {
        this.signed = signed;
        this.clientEvents = clientEvents;
        this.cache = cache;
        this.encrypted = encrypted;
        this.presence = presence;
    }

    /** Whether subscribing needs an HMAC auth string. */
    public boolean signed() {
        return signed;
    }

    /** Whether subscribers may send {@code client-} events on it. */
    public boolean allowsClientEvents() {
        return clientEvents;
    }

    /** Whether the last event triggered through the REST API is kept and replayed. */
    public boolean cache() {
        return cache;
    }

    public boolean encrypted() {
        return encrypted;
    }

    public boolean presence() {
        return presence;
    }

    /** Classifies a channel name; prefixes are tested most specific first. */
    public static ChannelType of(String name) {
        if (name.startsWith("private-encrypted-cache-")) {
            return PRIVATE_ENCRYPTED_CACHE;
        } else if (name.startsWith("private-encrypted-")) {
            return PRIVATE_ENCRYPTED;
        } else if (name.startsWith("private-cache-")) {
            return PRIVATE_CACHE;
        } else if (name.startsWith("private-")) {
            return PRIVATE;
        } else if (name.startsWith("presence-cache-")) {
            return PRESENCE_CACHE;
        } else if (name.startsWith("presence-")) {
            return PRESENCE;
        } else if (name.startsWith(ChannelNames.SERVER_TO_USER_PREFIX)) {
            return SERVER_TO_USER;
        } else if (name.startsWith("cache-")) {
            return PUBLIC_CACHE;
        }
        return PUBLIC;
    }
}
