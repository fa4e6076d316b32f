package io.switchboard.config;

/** Configuration that cannot be used; the message names the source, the key and the problem. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
        super(message);
    }
}
