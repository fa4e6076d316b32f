package io.switchboard.broker;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How every Redis client of a node is set up: small thread pools of its own (never the server's
 * event loops), fast reconnects with backoff, command timeouts and TCP keep-alive.
 */
public final class RedisClientSetup {
    static {
        // Lettuce runs on epoll. The io_uring classes on the class path are there for server.io;
        // left enabled for Lettuce they only make it warn at every client start that it chose epoll.
        if (System.getProperty("io.lettuce.core.iouring") == null) {
            System.setProperty("io.lettuce.core.iouring", "false");
        }
    }

    private RedisClientSetup() {}

    /** Lettuce resources for one client; the caller shuts them down with the client. */
    public static ClientResources resources() {
        return DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
    }

    public static SocketOptions socketOptions(Duration timeout) {
        return SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
    }

    /** A URL with the command timeout applied. */
    public static RedisURI uri(String url, Duration timeout) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(timeout);
        return uri;
    }
}
