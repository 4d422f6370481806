package org.transprune.prune;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds strategy plug-ins for tests as a user would: Java sources compiled against the framework
 * with the JDK's compiler, a {@code META-INF/services} file, packed into a jar.
 */
public final class PluginJars {
    private PluginJars() {}

    /**
     * A plug-in with one strategy {@code name} in package {@code pkg}: a provider class and a
     * separate implementation class that prunes after layer 1 to half the image tokens, keeping the
     * first half, or the last half when {@code keepLast}. {@code extra} is appended to the package as
     * another top-level class's body (e.g. an unrelated helper) when not null.
     */
    public static Map<String, String> strategySources(String pkg, String name, boolean keepLast, String extra) {
        String provider = "package " + pkg + ";\n"
                + "import java.util.List;\n"
                + "import org.transprune.prune.*;\n"
                + "public final class EdgeProvider implements StrategyProvider {\n"
                + "  public String name() { return \"" + name + "\"; }\n"
                + "  public String description() { return \"keeps the first or last half of the image tokens\"; }\n"
                + "  public List<ParameterSpec> parameters() { return List.of(); }\n"
                + "  public PruningStrategy create(StrategyParameters p) { return new EdgeStrategy(name()); }\n"
                + "}\n";
        String strategy = "package " + pkg + ";\n"
                + "import java.util.stream.IntStream;\n"
                + "import org.transprune.cost.PruneSchedule;\n"
                + "import org.transprune.prune.*;\n"
                + "final class EdgeStrategy implements PruningStrategy {\n"
                + "  private final String name;\n"
                + "  EdgeStrategy(String name) { this.name = name; }\n"
                + "  public String name() { return name; }\n"
                + "  public PruneSchedule schedule(int n, int layers) {\n"
                + "    return PruneSchedule.ofOriginalRatios(n, java.util.List.of(1), java.util.List.of(0.5));\n"
                + "  }\n"
                + "  public LayerSignals signals(int layer, PruneSchedule s) { return LayerSignals.NONE; }\n"
                + "  public RequestScorer newRequest(long seed) {\n"
                + "    return (afterLayer, keep, layout) -> IntStream.range(0, keep)\n"
                + "        .map(i -> i + " + (keepLast ? "layout.imageLength() - keep" : "0") + ").toArray();\n"
                + "  }\n"
                + "}\n";
        Map<String, String> sources = new java.util.LinkedHashMap<>();
        sources.put(pkg.replace('.', '/') + "/EdgeProvider.java", provider);
        sources.put(pkg.replace('.', '/') + "/EdgeStrategy.java", strategy);
        if (extra != null) {
            sources.put(
                    pkg.replace('.', '/') + "/Unrelated.java",
                    "package " + pkg + ";\nfinal class Unrelated {\n" + extra + "\n}\n");
        }
        return sources;
    }

    /** Compiles {@code sources} (path under the source root -> text) into {@code classes}, with the services file. */
    public static Path compile(Path classes, Map<String, String> sources, String providerClass) throws IOException {
        // The sources go beside the classes (a test's temporary folder), so nothing is left in /tmp.
        Path src = Files.createDirectories(classes.toAbsolutePath().resolveSibling(classes.getFileName() + "-src"));
        List<String> args = new ArrayList<>(List.of(
                "-d",
                classes.toString(),
                "--release",
                "17",
                "-classpath",
                codeSource(StrategyProvider.class) + java.io.File.pathSeparator + codeSource(NDArray.class)));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("javac failed: " + rc);
        }
        Path services = classes.resolve("META-INF/services/" + StrategyProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, providerClass + "\n");
        return classes;
    }

    /** Packs the folder {@code classes} into {@code jar} (entries stamped with the current time). */
    public static Path jar(Path classes, Path jar, String version) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().putValue("Manifest-Version", "1.0");
        if (version != null) {
            mf.getMainAttributes().putValue("Implementation-Version", version);
        }
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (OutputStream os = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(os, mf);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                JarEntry e = new JarEntry(classes.relativize(f).toString().replace('\\', '/'));
                e.setTime(System.currentTimeMillis());
                out.putNextEntry(e);
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Compiles a one-strategy plug-in and packs it: {@code dir/NAME.jar}. */
    public static Path strategyJar(Path dir, String pkg, String name, boolean keepLast, String version)
            throws IOException {
        Path classes = compile(
                Files.createTempDirectory(dir, "classes"),
                strategySources(pkg, name, keepLast, null),
                pkg + ".EdgeProvider");
        return jar(classes, dir.resolve(name + ".jar"), version);
    }

    private static String codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
