package io.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven by Selenium, for the browser tests. Uses Debian's {@code chromium} and
 * {@code chromium-driver} packages ({@code /usr/bin/chromium}, {@code /usr/bin/chromedriver}, or
 * the paths in {@code SWITCHBOARD_CHROMIUM} / {@code SWITCHBOARD_CHROMEDRIVER}).
 *
 * <p>When they are missing the browser tests fail with instructions; they are skipped only when
 * {@code SWITCHBOARD_SKIP_BROWSER_TESTS=1} is set.
 */
public final class Chromium implements AutoCloseable {
    public static final String SKIP_ENV = "SWITCHBOARD_SKIP_BROWSER_TESTS";

    private final ChromeDriver driver;
    private final Path profile;

    private Chromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts a headless Chromium with a fresh profile, or skips/fails as described above. */
    public static Chromium start() {
        Assumptions.assumeFalse(
                "1".equals(System.getenv(SKIP_ENV)), "browser tests skipped: " + SKIP_ENV + "=1 is set");
        Path binary = path("SWITCHBOARD_CHROMIUM", "/usr/bin/chromium");
        Path chromedriver = path("SWITCHBOARD_CHROMEDRIVER", "/usr/bin/chromedriver");
        if (!Files.isExecutable(binary) || !Files.isExecutable(chromedriver)) {
            throw new AssertionError("The browser tests need Chromium and its driver, but "
                    + (Files.isExecutable(binary) ? chromedriver : binary) + " is missing. Install them with"
                    + " `apt-get install -y chromium chromium-driver` (.ci/run does), point SWITCHBOARD_CHROMIUM and"
                    + " SWITCHBOARD_CHROMEDRIVER at other paths, or set " + SKIP_ENV + "=1 to skip these tests.");
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("switchboard-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(binary.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                // Several windows run at once; none of them may be throttled as a background page.
                "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows",
                "--disable-renderer-backgrounding",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver.toString()))
                .usingAnyFreePort()
                .build();
        try {
            return new Chromium(new ChromeDriver(service, options), profile);
        } catch (RuntimeException e) {
            deleteQuietly(profile);
            throw e;
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    private static Path path(String env, String fallback) {
        String value = System.getenv(env);
        return Path.of(value == null || value.isBlank() ? fallback : value);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
