package org.transprune;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Versions of this project and of the libraries it runs on, for provenance records and {@code --version}:
 * {@code versions.properties}, written by the build, read once.
 */
public final class Versions {
    private static final Properties PROPS = load();

    private Versions() {}

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("/org/transprune/versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through with empty properties: versions print as "unknown"
        }
        return p;
    }

    public static String project() {
        return PROPS.getProperty("project", "unknown");
    }

    public static String djl() {
        return PROPS.getProperty("djl", "unknown");
    }

    public static String pytorch() {
        return PROPS.getProperty("pytorch", "unknown");
    }

    /** The commit the build was made from, as the build recorded it, or null when it did not. */
    public static String commit() {
        return PROPS.getProperty("commit");
    }
}
