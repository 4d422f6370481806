package org.transprune.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.run.TestStrategies;

/** The code digest follows a strategy's compiled classes: rebuilding keeps it, changing a line changes it. */
class StrategyCodeTest {
    @TempDir
    Path tmp;

    /** Loads the one provider of {@code entry} in its own loader, as the plug-in path does. */
    private static StrategyProvider load(Path entry) throws IOException {
        URLClassLoader loader =
                new URLClassLoader(new URL[] {entry.toUri().toURL()}, StrategyCodeTest.class.getClassLoader());
        for (StrategyProvider p : ServiceLoader.load(StrategyProvider.class, loader)) {
            if (p.getClass().getClassLoader() == loader) {
                return p;
            }
        }
        throw new AssertionError("no provider in " + entry);
    }

    private Path build(String name, boolean keepLast, String extra) throws IOException {
        Path classes = Files.createTempDirectory(tmp, "classes");
        return PluginJars.compile(
                classes,
                PluginJars.strategySources("org.example.codeid", "edge", keepLast, extra),
                "org.example.codeid.EdgeProvider");
    }

    @Test
    void rebuildingUnchangedSourcesKeepsTheDigestAndAChangedLineChangesIt() throws Exception {
        Path first = build("edge", false, null);
        Thread.sleep(1100); // file and jar-entry times of the second build differ
        Path again = PluginJars.jar(build("edge", false, null), tmp.resolve("again/edge.jar"), "1.0");
        Path changed = build("edge", true, null);

        StrategyCode a = StrategyCode.of(load(first));
        StrategyCode b = StrategyCode.of(load(again));
        StrategyCode c = StrategyCode.of(load(changed));
        assertEquals(a.digest(), b.digest(), "a rebuild of the same source, in a folder or a jar");
        assertNotEquals(a.digest(), c.digest(), "keeping the last tokens instead of the first");
        assertTrue(a.digest().matches("[0-9a-f]{16}"), a.digest());
        assertEquals("edge", a.name());
        assertEquals("1.0", b.version(), "Implementation-Version of the jar's manifest");
        assertEquals("unversioned", a.version());
        assertEquals(again.toString(), b.source());
    }

    @Test
    void onlyTheClassesTheStrategyReachesCount() throws Exception {
        String base = StrategyCode.of(load(build("edge", false, null))).digest();
        // Another class in the same folder that the strategy never names: not part of its code.
        assertEquals(
                base, StrategyCode.of(load(build("edge", false, "int x = 1;"))).digest());
        assertEquals(
                base, StrategyCode.of(load(build("edge", false, "int x = 2;"))).digest());
    }

    @Test
    void theClosureFollowsTheProviderIntoItsImplementation() throws Exception {
        Path classes = build("edge", false, null);
        byte[] provider = Files.readAllBytes(classes.resolve("org/example/codeid/EdgeProvider.class"));
        Set<String> named = StrategyCode.referencedClasses(provider);
        assertTrue(named.contains("org/example/codeid/EdgeStrategy"), named.toString());
        assertTrue(named.contains("org/transprune/prune/StrategyProvider"), named.toString());
        // The implementation's lambda class is synthesised at run time; its body is in EdgeStrategy.class.
        byte[] impl = Files.readAllBytes(classes.resolve("org/example/codeid/EdgeStrategy.class"));
        assertTrue(StrategyCode.referencedClasses(impl).contains("org/transprune/cost/PruneSchedule"));
    }

    @Test
    void providersNestedInOneClassShareItsCode() {
        StrategyCode keep = StrategyCode.of(new TestStrategies.KeepFirst());
        StrategyCode unpruned = StrategyCode.of(new TestStrategies.Unpruned());
        assertEquals(keep, StrategyCode.of(new TestStrategies.KeepFirst()), "stable within a process");
        // Both are nested in TestStrategies, so each reaches the other through it: same closure, same digest.
        assertEquals(keep.digest(), unpruned.digest());
        assertEquals("test-keep", keep.name());
        assertTrue(Files.isDirectory(Path.of(keep.source())), keep.source());
    }

    @Test
    void theEngineVersionIsPartOfTheDigest() throws Exception {
        // Same classes, the digest text starts with the engine's version: recomputing it by the documented rule agrees.
        Path classes = build("edge", false, null);
        StrategyCode code = StrategyCode.of(load(classes));
        StringBuilder text = new StringBuilder("engine ")
                .append(org.transprune.Versions.project())
                .append('\n');
        for (String c : new String[] {"org.example.codeid.EdgeProvider", "org.example.codeid.EdgeStrategy"}) {
            byte[] bytes = Files.readAllBytes(classes.resolve(c.replace('.', '/') + ".class"));
            text.append(c).append(' ').append(sha(bytes)).append('\n');
        }
        assertEquals(
                sha(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .substring(0, 16),
                code.digest());
    }

    private static String sha(byte[] b) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }
}
