package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.transprune.model.TokenLayout;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyRun;

/**
 * A strategy from another class-path entry (the test classes, with their own
 * {@code META-INF/services} file, standing in for a third-party jar) is found and runs with no
 * change to the framework. The conformance suite exercises it like any built-in one.
 */
class ExternalPluginTest {

    @Test
    void servicesFilesFromTwoClassPathEntriesAreBothRead() throws Exception {
        List<URL> files = Collections.list(
                getClass().getClassLoader().getResources("META-INF/services/org.transprune.prune.StrategyProvider"));
        assertTrue(files.size() >= 2, files.toString());
        assertNotEquals(files.get(0), files.get(1));
    }

    @Test
    void thePluginIsDiscoveredAlongsideTheBuiltIns() {
        List<String> names = Strategies.names();
        assertTrue(names.contains("example-evenly-spaced"), names.toString());
        assertTrue(names.contains("transprune"), names.toString());
        assertEquals(
                "org.example.plugin.EvenlySpacedProvider",
                Strategies.provider("example-evenly-spaced").getClass().getName());
    }

    @Test
    void thePluginBuildsFromParametersAndPrunesThroughTheRunAdapter() {
        PruningStrategy s = Strategies.create("example-evenly-spaced", Map.of("layer", 1, "keep", 0.5));
        StrategyRun run = StrategyRun.start(s, 8, 4, 0);
        TokenLayout layout = TokenLayout.initial(12, 2, 8);
        assertArrayEquals(new int[] {0, 2, 4, 6}, run.keep(1, layout));
        assertEquals(1, run.stages().size());
    }
}
