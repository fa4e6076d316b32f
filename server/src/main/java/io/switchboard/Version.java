package io.switchboard;

/**
 * The build's version: from the jar manifest, or from {@code -Dswitchboard.version} where the classes
 * run without the jar (the container image).
 */
public final class Version {
    private Version() {}

    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        if (v == null) {
            v = System.getProperty("switchboard.version");
        }
        return v == null ? "dev" : v;
    }
}
