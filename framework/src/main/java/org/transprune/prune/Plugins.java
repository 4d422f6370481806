package org.transprune.prune;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The plug-in path: jars and class folders, beyond the tool's own class path, that strategies are
 * loaded from. Entries come from the {@code TRANSPRUNE_PLUGINS} environment variable (paths
 * separated by the platform's path separator, {@code :} on Linux), from {@code --plugins} on the
 * command line and from {@code plugins:} in experiment files, in that order. A jar is added as it
 * is; a folder is added as a class folder and every {@code *.jar} directly inside it is added too.
 * Providers are found by {@link java.util.ServiceLoader} through one class loader over all entries
 * whose parent is the framework's loader, so a plug-in sees the framework's (and the built-in
 * strategies') classes exactly as the built-ins do.
 */
public final class Plugins {
    /** The environment variable read at the first use. */
    public static final String ENVIRONMENT = "TRANSPRUNE_PLUGINS";

    private static final Set<Path> ENTRIES = new LinkedHashSet<>();
    private static boolean environmentRead;
    private static List<Path> loaderEntries = List.of();
    private static ClassLoader loader;

    private Plugins() {}

    /**
     * Adds {@code paths} (relative paths against the working directory), each checked: it must exist
     * and a jar must open as one.
     *
     * @throws PluginException one line naming the path that is not a plug-in and why
     */
    public static synchronized void add(List<Path> paths) {
        readEnvironment();
        for (Path p : paths) {
            ENTRIES.add(check(p.toAbsolutePath().normalize(), "plug-in"));
        }
    }

    /** Adds a path-separated list, as {@code TRANSPRUNE_PLUGINS} or {@code --plugins} hold it. */
    public static void add(String pathList) {
        add(split(pathList));
    }

    /** The entries of a path-separated list, blanks skipped. */
    public static List<Path> split(String pathList) {
        List<Path> out = new ArrayList<>();
        if (pathList != null) {
            for (String s : pathList.split(File.pathSeparator)) {
                if (!s.isBlank()) {
                    out.add(Path.of(s.strip()));
                }
            }
        }
        return out;
    }

    /** The plug-in path as given (jars and folders), in order. */
    public static synchronized List<Path> entries() {
        readEnvironment();
        return List.copyOf(ENTRIES);
    }

    /** Forgets every entry added so far, the environment's too (for tests and embedding). */
    public static synchronized void clear() {
        ENTRIES.clear();
        environmentRead = true;
        loader = null;
        loaderEntries = List.of();
    }

    /** The loader strategies are found through: the framework's own, or one over the plug-in path. */
    static synchronized ClassLoader loader() {
        readEnvironment();
        List<Path> now = List.copyOf(ENTRIES);
        ClassLoader parent = Plugins.class.getClassLoader();
        if (now.isEmpty()) {
            return parent;
        }
        if (loader == null || !now.equals(loaderEntries)) {
            List<URL> urls = new ArrayList<>();
            for (Path p : now) {
                urls.addAll(urls(p));
            }
            loader = new URLClassLoader("transprune-plugins", urls.toArray(URL[]::new), parent);
            loaderEntries = now;
        }
        return loader;
    }

    private static void readEnvironment() {
        if (environmentRead) {
            return;
        }
        environmentRead = true;
        String env = System.getenv(ENVIRONMENT);
        for (Path p : split(env)) {
            ENTRIES.add(check(p.toAbsolutePath().normalize(), ENVIRONMENT + " entry"));
        }
    }

    private static Path check(Path p, String what) {
        if (!Files.exists(p)) {
            throw new PluginException(what + " " + p + " does not exist");
        }
        if (Files.isRegularFile(p)) {
            try (JarFile jar = new JarFile(p.toFile())) {
                jar.size();
            } catch (IOException e) {
                throw new PluginException(what + " " + p + " is not a jar (" + e.getMessage() + ")");
            }
        }
        return p;
    }

    private static List<URL> urls(Path p) {
        List<URL> out = new ArrayList<>();
        try {
            out.add(p.toUri().toURL());
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    for (Path jar : s.filter(f -> f.getFileName().toString().endsWith(".jar"))
                            .sorted()
                            .toList()) {
                        out.add(check(jar, "plug-in").toUri().toURL());
                    }
                }
            }
        } catch (MalformedURLException e) {
            throw new PluginException("plug-in " + p + ": " + e.getMessage());
        } catch (IOException e) {
            throw new PluginException("plug-in folder " + p + " cannot be listed (" + e.getMessage() + ")");
        }
        return out;
    }
}
