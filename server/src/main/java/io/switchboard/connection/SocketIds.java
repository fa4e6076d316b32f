package io.switchboard.connection;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Socket ids of the form {@code N.M}: N counts up from a random start, so ids never repeat while
 * the process runs; M is random, so an id cannot be guessed from another.
 */
public final class SocketIds {
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong counter;

    public SocketIds() {
        counter = new AtomicLong(random.nextLong(1L << 40));
    }

    public String next() {
        return counter.incrementAndGet() + "." + random.nextInt(1_000_000_000);
    }
}
