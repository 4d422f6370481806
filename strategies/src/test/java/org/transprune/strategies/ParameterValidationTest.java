package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;
import org.transprune.perf.ScheduleOnlyStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.SchedulePreset;
import org.transprune.prune.Strategies;

/** Range checks with messages that name the strategy and the parameter. */
class ParameterValidationTest {

    private static void rejects(String strategy, Map<String, Object> parameters, String... fragments) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Strategies.create(strategy, parameters));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    /** The paper's LLaVA-1.5 schedule is every TransPrune-family default, defined once in the SPI. */
    @ParameterizedTest
    @ValueSource(strings = {"transprune", "ttv", "iga", "random"})
    void theDefaultScheduleIsThePapersLlava15Preset(String name) {
        Map<String, Object> defaults = new HashMap<>();
        Strategies.provider(name).parameters().forEach(s -> defaults.put(s.name(), s.defaultValue()));
        assertEquals(List.of(7, 9, 12), defaults.get("layers"));
        assertEquals(List.of(0.875, 0.625, 0.125), defaults.get("ratios"));
        assertEquals(SchedulePreset.LLAVA_15.layers(), defaults.get("layers"));
        assertEquals(SchedulePreset.LLAVA_15.ratios(), defaults.get("ratios"));
        if (defaults.containsKey("window")) {
            assertEquals(List.of(7, 12), defaults.get("window"));
        }
        // 576 image tokens: int(576 * r) = 504, 360, 72 after layers 7, 9, 12.
        assertEquals(
                List.of(576, 504, 360, 72),
                Strategies.create(name, Map.of()).schedule(576, 32).stageTokenCounts());
        assertEquals(
                List.of(576, 504, 360, 72),
                ScheduleOnlyStrategy.transPruneSchedule().schedule(576, 32).stageTokenCounts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"transprune", "ttv", "iga", "random"})
    void ratiosOutsideTheUnitIntervalOrNotDecreasing(String name) {
        rejects(name, Map.of("ratios", List.of(1.5, 0.625, 0.125)), "'" + name + "'", "'ratios'", "(0, 1]");
        rejects(name, Map.of("ratios", List.of(0.875, 0.0, -0.1)), "'ratios'", "(0, 1]");
        rejects(name, Map.of("ratios", List.of(0.5, 0.625, 0.125)), "'ratios'", "strictly decreasing");
        rejects(name, Map.of("ratios", List.of(0.5, 0.25)), "'ratios'", "3 layers but 2 ratios");
    }

    @ParameterizedTest
    @ValueSource(strings = {"transprune", "ttv", "iga", "random", "pdrop"})
    void layersNotIncreasing(String name) {
        rejects(name, Map.of("layers", List.of(9, 7, 12)), "'layers'", "strictly increasing");
        rejects(name, Map.of("layers", List.of(0, 9, 12)), "'layers'", "numbered from 1");
        rejects(name, Map.of("layers", List.of()), "'layers'", "at least one");
    }

    @Test
    void alphaOutsideTheUnitInterval() {
        rejects("transprune", Map.of("alpha", 1.2), "'alpha'", "[0, 1]");
        rejects("transprune", Map.of("alpha", -0.1), "'alpha'", "[0, 1]");
    }

    @Test
    void windowMustBeAnIntervalStartingByTheFirstPruningLayer() {
        rejects("transprune", Map.of("window", List.of(7)), "'window'", "two layers");
        rejects("transprune", Map.of("window", List.of(12, 7)), "'window'", "first <= last");
        rejects("transprune", Map.of("window", List.of(8, 12)), "'window'", "first pruning layer 7");
        rejects("ttv", Map.of("layers", List.of(5, 7, 10), "window", List.of(7, 12)), "'window'");
        // IGA-only has no window, and TransPrune with alpha 0 does not need one.
        assertEquals(
                "transprune",
                Strategies.create(
                                "transprune",
                                Map.of("alpha", 0.0, "layers", List.of(5, 7, 10), "window", List.of(7, 12)))
                        .name());
    }

    @Test
    void cosineAndPositionsAreChoices() {
        rejects("transprune", Map.of("cosine", "absolute"), "'cosine'", "signed or abs");
        rejects("fastv", Map.of("positions", "original"), "'positions'", "renumber or keep-original");
        assertEquals(
                PositionPolicy.KEEP_ORIGINAL,
                Strategies.create("fastv", Map.of()).positionPolicy());
        assertEquals(
                PositionPolicy.KEEP_ORIGINAL,
                Strategies.create("transprune", Map.of("positions", "keep-original"))
                        .positionPolicy());
    }

    @Test
    void baselineParameters() {
        rejects("fastv", Map.of("r", 1.0), "'r'", "[0, 1)");
        rejects("fastv", Map.of("k", 0), "'k'");
        rejects("pdrop", Map.of("lambda", 0.0), "'lambda'");
        rejects("sparsevlm", Map.of("budget", 100), "'budget'", "64, 96, 128, 192");
        rejects("sparsevlm", Map.of("layers", List.of(3, 7)), "'layers'", "three");
    }

    @Test
    void aLayerBeyondTheModelsDepthIsRejectedAtScheduleTime() {
        PruningStrategy transprune = Strategies.create("transprune", Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> transprune.schedule(576, 12));
        assertTrue(
                e.getMessage().contains("'transprune'")
                        && e.getMessage().contains("layer 12")
                        && e.getMessage().contains("12 layers"),
                e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> Strategies.create("pdrop", Map.of()).schedule(576, 24));
        assertThrows(
                IllegalArgumentException.class,
                () -> Strategies.create("fastv", Map.of("k", 4)).schedule(576, 4));
    }

    @Test
    void defaultSchedulesOnLlava15() {
        assertEquals(List.of(576, 504, 360, 72), schedule("transprune").stageTokenCounts());
        assertEquals(List.of(576, 504, 360, 72), schedule("ttv").stageTokenCounts());
        assertEquals(List.of(576, 504, 360, 72), schedule("random").stageTokenCounts());
        assertEquals(List.of(576, 288), schedule("fastv").stageTokenCounts());
        assertEquals(2, schedule("fastv").stages().get(0).afterLayer());
        assertEquals(List.of(576, 288, 144, 72), schedule("pdrop").stageTokenCounts());
        assertEquals(List.of(576, 300, 200, 110), schedule("sparsevlm").stageTokenCounts());
        assertEquals(List.of(576), schedule("none").stageTokenCounts());
        // FastV rounds half to even like Python's round(): 5 * 0.5 = 2.5 -> 2.
        assertEquals(
                List.of(5, 2),
                Strategies.create("fastv", Map.of()).schedule(5, 32).stageTokenCounts());
    }

    private static PruneSchedule schedule(String name) {
        return Strategies.create(name, Map.of()).schedule(576, 32);
    }
}
