package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.transprune.run.ExperimentParser;
import org.transprune.run.RunConfiguration;
import org.transprune.run.SweepPlan;

/** The paper's Qwen2.5-VL table file dry-runs from its preset with the built-in strategies. */
class QwenTableTest {

    @Test
    void theQwenTableDryRunsFromItsPresetWithTheQwenSchedule() {
        Path table = Path.of("..", "experiments", "table-qwen.yaml");
        SweepPlan plan = ExperimentParser.parse(
                table, ExperimentParser.Mode.DRY_RUN, k -> k.equals("TRANSPRUNE_EVAL_DATA") ? "/nonexistent" : null);
        assertEquals(28, plan.model().text().numLayers());
        assertEquals(576, plan.model().imageTokens(), "max_pixels 451584 / 784");
        assertEquals(451_584, plan.model().identity().get("max_pixels"));
        List<RunConfiguration> configs = plan.configurations();
        assertEquals(6, configs.size());
        RunConfiguration transprune = configs.stream()
                .filter(c -> c.strategy().equals("transprune"))
                .findFirst()
                .orElseThrow();
        assertEquals(List.of(6, 8, 11), transprune.parameters().get("layers"));
        // 576 -> 504 -> 360 -> 72 over 28 layers
        assertTrue(
                transprune.cost().schedule().describe().contains("72"),
                transprune.cost().schedule().describe());
    }
}
