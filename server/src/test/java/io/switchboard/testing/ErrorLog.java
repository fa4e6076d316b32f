package io.switchboard.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Collects what the server logs at ERROR, and Netty's warnings (an exception that reached the end
 * of a pipeline is one): for fuzz tests, where any of them means an input was handled by accident
 * rather than by design.
 */
public final class ErrorLog {
    private static final Queue<String> EVENTS = new ConcurrentLinkedQueue<>();

    static {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                boolean netty = event.getLoggerName().startsWith("io.netty");
                if (event.getLevel().isGreaterOrEqual(Level.ERROR)
                        || (netty && event.getLevel().isGreaterOrEqual(Level.WARN))) {
                    EVENTS.add(event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()
                            + (event.getThrowableProxy() == null
                                    ? ""
                                    : " (" + event.getThrowableProxy().getClassName() + ": "
                                            + event.getThrowableProxy().getMessage() + ")"));
                }
            }
        };
        appender.setContext(root.getLoggerContext());
        appender.setName("error-log");
        appender.start();
        root.addAppender(appender);
    }

    private ErrorLog() {}

    /** Starts collecting (loading the class does it); forgets anything collected so far. */
    public static void watch() {
        EVENTS.clear();
    }

    /** Fails with the first event collected since the previous call. */
    public static void assertNone() {
        String first = EVENTS.poll();
        if (first != null) {
            EVENTS.clear();
            throw new AssertionError("logged while handling the input: " + first);
        }
    }
}
