package io.switchboard.broker;

/** An instruction every node carries out for its own connections. */
public sealed interface Command {

    /** Close every connection of {@code appId} signed in as {@code userId}. */
    record TerminateUser(String appId, String userId) implements Command {}
}
