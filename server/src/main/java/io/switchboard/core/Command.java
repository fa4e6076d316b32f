package io.switchboard.core;

/** An instruction every node carries out for its own connections. */
public sealed interface Command {

    /** Close every connection of {@code appId} signed in as {@code userId}. */
    record TerminateUser(String appId, String userId) implements Command {}

    /**
     * A node tells every node something about itself for the operator dashboard: which apps its
     * operators watch, or its own figures. The broker carries {@code body} as it is.
     *
     * @param topic what the body holds, e.g. {@code watching} or {@code figures}
     * @param body never modified after construction
     */
    record NodeReport(String nodeId, String topic, byte[] body) implements Command {}
}
