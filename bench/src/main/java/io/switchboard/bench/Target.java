package io.switchboard.bench;

/**
 * The server under test and the app to use on it.
 *
 * @param name label printed in results ({@code switchboard}, {@code soketi}, ...)
 * @param pid the server's process id for memory and CPU readings, or 0 when unknown
 * @param signin whether connections sign in ({@code pusher:signin}) before subscribing; Soketi's
 *     peer setup closes connections that have not signed in within 30 s
 */
public record Target(
        String name, String host, int port, String appId, String key, String secret, long pid, boolean signin) {

    public static Target from(Options o) {
        return new Target(
                o.string("target", "server"),
                o.string("host", "127.0.0.1"),
                o.integer("port", 6001),
                o.string("app-id", "app-id"),
                o.string("app-key", "app-key"),
                o.string("app-secret", "app-secret"),
                Long.parseLong(o.string("server-pid", "0")),
                !o.string("signin", "true").equals("false"));
    }

    /** The same server and app on another port, e.g. another node of a cluster. */
    public Target withPort(int newPort) {
        return new Target(name, host, newPort, appId, key, secret, pid, signin);
    }

    public String wsPath() {
        return "/app/" + key + "?protocol=7&client=bench&version=1.0";
    }
}
