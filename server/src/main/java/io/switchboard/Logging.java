package io.switchboard;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import io.switchboard.config.LoggingSettings;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code logging:} settings to Logback: root level, per-area levels ({@code
 * switchboard.connection}, {@code switchboard.api}, ...) and text or JSON lines.
 */
final class Logging {
    private Logging() {}

    /** Runs {@code work} with the server's own logs at WARN and above only; returns its result. */
    static <T> T quietly(Callable<T> work) throws Exception {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return work.call();
        }
        Logger server = context.getLogger("switchboard");
        Level level = server.getLevel();
        if (server.getEffectiveLevel().toInt() < Level.WARN.toInt()) {
            server.setLevel(Level.WARN);
        }
        try {
            return work.call();
        } finally {
            server.setLevel(level);
        }
    }

    static void apply(LoggingSettings settings, Map<String, String> overrides) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(settings.level(), Level.INFO));
        settings.levels().forEach((area, level) -> context.getLogger(area).setLevel(Level.toLevel(level)));
        overrides.forEach((area, level) -> context.getLogger(area).setLevel(Level.toLevel(level)));
        if ("json".equals(settings.format())
                && root.getAppender("console") instanceof ConsoleAppender<ILoggingEvent> console) {
            console.stop();
            JsonEncoder encoder = new JsonEncoder();
            encoder.setContext(context);
            encoder.start();
            console.setEncoder(encoder);
            console.start();
        }
    }
}
