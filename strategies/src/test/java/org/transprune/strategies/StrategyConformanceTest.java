package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.transprune.conformance.StrategyConformanceSuite;
import org.transprune.cost.PruneSchedule;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyCode;

/**
 * The conformance suite over the built-in strategies and the test plug-in, plus what only the
 * built-ins promise.
 */
class StrategyConformanceTest extends StrategyConformanceSuite {

    @Test
    void everyBuiltInStrategyIsRegistered() {
        assertTrue(
                Strategies.names()
                        .containsAll(List.of(
                                "none",
                                "random",
                                "transprune",
                                "ttv",
                                "iga",
                                "fastv",
                                "pdrop",
                                "sparsevlm",
                                "visionzip",
                                "divprune",
                                "cdpruner",
                                "fastervlm")),
                Strategies.names().toString());
    }

    @Test
    void builtInStrategiesHaveTheirOwnCodeDigests() {
        // Each reaches only its own classes and the helpers it uses: a change to FastV leaves TTV's results valid.
        Set<String> digests = Strategies.providers().stream()
                .filter(p -> !p.name().startsWith("test-"))
                .map(p -> StrategyCode.of(p).digest())
                .collect(Collectors.toSet());
        assertTrue(digests.size() >= 6, digests.toString());
        assertNotEquals(
                StrategyCode.of(Strategies.provider("fastv")).digest(),
                StrategyCode.of(Strategies.provider("ttv")).digest());
        assertEquals(
                StrategyCode.of(Strategies.provider("fastv")), StrategyCode.of(Strategies.provider("fastv")), "stable");
    }

    @Test
    void ttvNeverAsksTheEngineForAttentionRows() {
        PruningStrategy ttv = Strategies.create("ttv", Map.of());
        PruneSchedule schedule = ttv.schedule(IMAGE_TOKENS, LAYERS);
        for (int layer = 1; layer <= LAYERS; layer++) {
            assertEquals(null, ttv.signals(layer, schedule).attentionQueries(), "layer " + layer);
        }
        for (int suffix : new int[] {5, 0}) {
            Outcome o = run(ttv, 3, IMAGE_TOKENS, suffix, 1);
            assertEquals(List.of(), o.attentionLayers());
            assertEquals(0, o.attentionDeliveries());
            assertFalse(o.transitionLayers().isEmpty(), "TTV needs transitions");
        }
    }

    @Test
    void igaAsksForNoTransitions() {
        Outcome o = run(Strategies.create("iga", Map.of()), 3, IMAGE_TOKENS, 5, 1);
        assertEquals(List.of(), o.transitionLayers());
        assertEquals(List.of(8, 10, 13), o.attentionLayers());
    }
}
