package io.switchboard.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records what one logger writes while open, through the real logging pipeline, e.g. {@code
 * try (LogCapture logs = LogCapture.of("switchboard.webhook")) { ... logs.lines() ... }}.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level levelBefore;

    private LogCapture(String name, Level level) {
        logger = (Logger) LoggerFactory.getLogger(name);
        levelBefore = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    public static LogCapture of(String logger) {
        return new LogCapture(logger, null);
    }

    /** Also records debug lines: the logger is set to DEBUG while open. */
    public static LogCapture debugOf(String logger) {
        return new LogCapture(logger, Level.DEBUG);
    }

    /** Every line so far, formatted, with the text of its exception (and causes) if any. */
    public List<String> lines() {
        synchronized (appender) { // AppenderBase appends under its own lock
            return appender.list.stream().map(LogCapture::text).toList();
        }
    }

    private static String text(ILoggingEvent e) {
        StringBuilder out = new StringBuilder(e.getLevel() + " " + e.getFormattedMessage());
        for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            out.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return out.toString();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(levelBefore);
        appender.stop();
    }
}
