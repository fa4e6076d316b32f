package io.switchboard.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The dashboard's static files, read once from the jar: its own pages, script and style sheet
 * (beside this class) and uPlot from its WebJar. No build step: what is in the source tree is what
 * the browser gets.
 */
final class Assets {
    /** A file and its media type. */
    record Asset(String contentType, byte[] body) {}

    private static final String OWN = "/io/switchboard/dashboard/";
    private static final Map<String, String> OWN_FILES = Map.of(
            "dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8");

    private final Map<String, Asset> byName = new HashMap<>();
    private final byte[] index;
    private final byte[] login;

    Assets() {
        OWN_FILES.forEach((name, type) -> byName.put(name, new Asset(type, read(OWN + name))));
        String uplot = "/META-INF/resources/webjars/uplot/" + webJarVersion("uplot") + "/dist/";
        byName.put("uPlot.iife.min.js", new Asset("text/javascript; charset=utf-8", read(uplot + "uPlot.iife.min.js")));
        byName.put("uPlot.min.css", new Asset("text/css; charset=utf-8", read(uplot + "uPlot.min.css")));
        index = read(OWN + "index.html");
        login = read(OWN + "login.html");
    }

    /** A file under {@code /dashboard/assets/}, or {@code null}. */
    Asset get(String name) {
        return byName.get(name);
    }

    /** The page shell; {@code {{csrf}}} and {@code {{logout}}} are filled in per answer. */
    byte[] index() {
        return index;
    }

    /** The login form; {@code {{error}}} is filled in per answer. */
    byte[] login() {
        return login;
    }

    /** The version of an npm WebJar on the class path, from its Maven properties. */
    private static String webJarVersion(String name) {
        String path = "/META-INF/maven/org.webjars.npm/" + name + "/pom.properties";
        try (InputStream in = Assets.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the " + name + " WebJar is not on the class path (" + path + ")");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(String path) {
        try (InputStream in = Assets.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing dashboard resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
