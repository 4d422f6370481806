package org.transprune.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.model.TokenLayout;

/** The plug-in path: jars and folders found through ServiceLoader, and one-line errors for what does not load. */
class PluginsTest {
    @TempDir
    Path tmp;

    @AfterEach
    void forget() {
        Plugins.clear();
    }

    @Test
    void aJarOnThePluginPathIsAStrategyLikeTheOthers() throws Exception {
        Path jar = PluginJars.strategyJar(tmp, "org.example.jarred", "jarred-edge", true, "2.1");
        assertTrue(!Strategies.names().contains("jarred-edge"));
        Plugins.add(jar.toString());
        assertTrue(
                Strategies.names().contains("jarred-edge"), Strategies.names().toString());
        assertTrue(Strategies.names().contains("test-keep"), "the class path's strategies stay");
        PruningStrategy s = Strategies.create("jarred-edge", Map.of());
        StrategyRun run = StrategyRun.start(s, 8, 2, 0);
        assertEquals(List.of(8, 4), run.schedule().stageTokenCounts());
        assertEquals(
                List.of(4, 5, 6, 7),
                java.util.Arrays.stream(run.keep(1, TokenLayout.initial(12, 2, 8)))
                        .boxed()
                        .toList());
        assertEquals("2.1", StrategyCode.of(Strategies.provider("jarred-edge")).version());
    }

    @Test
    void aFolderAddsItsClassesAndTheJarsInIt() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("plugins"));
        PluginJars.strategyJar(folder, "org.example.inner", "in-folder", false, null);
        Path classes = PluginJars.compile(
                Files.createDirectories(tmp.resolve("classes")),
                PluginJars.strategySources("org.example.classes", "class-folder", false, null),
                "org.example.classes.EdgeProvider");
        Plugins.add(folder + java.io.File.pathSeparator + classes);
        assertTrue(
                Strategies.names().containsAll(List.of("in-folder", "class-folder")),
                Strategies.names().toString());
        assertEquals(List.of(folder, classes), Plugins.entries());
    }

    @Test
    void aMissingPathOrAFileThatIsNotAJarIsOneLine() throws Exception {
        PluginException missing = assertThrows(
                PluginException.class, () -> Plugins.add(tmp.resolve("nope.jar").toString()));
        assertEquals("plug-in " + tmp.resolve("nope.jar") + " does not exist", missing.getMessage());
        Path text = Files.writeString(tmp.resolve("notes.jar"), "not a zip");
        PluginException notJar = assertThrows(PluginException.class, () -> Plugins.add(text.toString()));
        assertTrue(notJar.getMessage().startsWith("plug-in " + text + " is not a jar ("), notJar.getMessage());
        assertEquals(1, notJar.getMessage().lines().count());
        assertEquals(List.of(), Plugins.entries(), "nothing was added");
    }

    @Test
    void aProviderThatDoesNotLoadIsOneLineNamingIt() throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("broken/META-INF/services"));
        Files.writeString(classes.resolve(StrategyProvider.class.getName()), "org.example.Missing\n");
        Plugins.add(tmp.resolve("broken").toString());
        PluginException e = assertThrows(PluginException.class, Strategies::providers);
        assertTrue(e.getMessage().startsWith("a strategy plug-in does not load: "), e.getMessage());
        assertTrue(e.getMessage().contains("org.example.Missing"), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve("broken").toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aNameRegisteredTwiceIsOneLineNamingBothSources() throws Exception {
        Path jar = PluginJars.strategyJar(tmp, "org.example.clash", "test-keep", false, null);
        Plugins.add(jar.toString());
        PluginException e = assertThrows(PluginException.class, Strategies::names);
        assertTrue(e.getMessage().startsWith("strategy 'test-keep' is registered twice: by "), e.getMessage());
        assertTrue(e.getMessage().contains("org.example.clash.EdgeProvider (" + jar + ")"), e.getMessage());
        assertTrue(e.getMessage().contains("org.transprune.run.TestStrategies$KeepFirst"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
