package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.ModelPresets;
import org.transprune.cost.CostModel;
import org.transprune.cost.PruneSchedule;
import org.transprune.cost.TokenBudget;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.Strategies;
import org.transprune.run.ExperimentParser;
import org.transprune.run.RunConfiguration;
import org.transprune.run.SweepPlan;

/**
 * Equal budgets with the real strategies: each built-in pruning strategy declares its budget parameter, and budgets
 * are solved on the cost model, including the default experiment's FastV at TransPrune's FLOPs.
 */
class BudgetSolvingTest {
    @TempDir
    Path tmp;

    @Test
    void everyPruningStrategyDeclaresItsBudgetParameter() {
        Map<String, String> expected = Map.of(
                "fastv", "r",
                "pdrop", "lambda",
                "sparsevlm", "budget",
                "transprune", "ratios",
                "ttv", "ratios",
                "iga", "ratios",
                "random", "ratios");
        expected.forEach((strategy, parameter) -> assertEquals(
                parameter,
                ParameterSpec.budgetParameter(Strategies.provider(strategy).parameters())
                        .name(),
                strategy));
        assertNull(ParameterSpec.budgetParameter(Strategies.provider("none").parameters()));
    }

    private SweepPlan plan(String... lines) throws IOException {
        Path f = tmp.resolve("budgets.yaml");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN, k -> null);
    }

    @Test
    void fastVPDropTransPruneAndSparseVlmMeetOneBudgetOnLlava15() throws IOException {
        SweepPlan plan = plan(
                "model: {preset: llava-1.5-7b}",
                "benchmarks: [gqa]",
                "strategies:",
                "  - none",
                "  - {name: transprune, label: paper, schedule: llava-1.5}",
                "  - {name: fastv, budget: {tflops_ratio: 0.408}}",
                "  - {name: pdrop, budget: {tflops_ratio: 0.408}}",
                "  - {name: transprune, label: at192, schedule: llava-1.5, budget: {tokens: 192}}",
                "  - {name: sparsevlm, budget: {tokens: 192}}");
        Map<String, RunConfiguration> byLabel =
                plan.configurations().stream().collect(Collectors.toMap(RunConfiguration::label, c -> c));
        double paper = byLabel.get("paper").cost().flopsRatio();
        assertEquals(0.408, paper, 0.001, "the paper's schedule: 40.8% of the FLOPs");

        // FastV after layer 2: the kept count whose FLOPs are nearest 0.408, no neighbour nearer.
        RunConfiguration fastv = byLabel.get("fastv");
        int keep = fastv.cost().schedule().stages().get(0).keep();
        CostModel cost = CostModel.of(ModelPresets.config("llava-1.5-7b").text());
        double full = cost.totalFlops(PruneSchedule.unpruned(576));
        for (int other : new int[] {keep - 1, keep + 1}) {
            double r = cost.totalFlops(new PruneSchedule(576, List.of(new PruneSchedule.Stage(2, other)))) / full;
            assertTrue(Math.abs(fastv.cost().flopsRatio() - 0.408) <= Math.abs(r - 0.408), "vs keep " + other);
        }
        assertEquals((int) Math.rint(576 * (1 - (Double) fastv.parameters().get("r"))), keep);

        RunConfiguration pdrop = byLabel.get("pdrop");
        assertEquals(0.408, pdrop.cost().flopsRatio(), 0.002);
        assertEquals("lambda", pdrop.budget().parameter());

        // TransPrune at 192 tokens per layer: the paper's ratios scaled by one factor, shape kept.
        RunConfiguration at192 = byLabel.get("at192");
        @SuppressWarnings("unchecked")
        List<Double> ratios = (List<Double>) at192.parameters().get("ratios");
        assertEquals(0.875 / 0.125, ratios.get(0) / ratios.get(2), 1e-6);
        assertEquals(0.625 / 0.125, ratios.get(1) / ratios.get(2), 1e-6);
        assertEquals(192, TokenBudget.of(at192.cost()), 0.5, "within half a token of 192 per layer");
        assertEquals(List.of(7, 9, 12), at192.parameters().get("layers"));

        // SparseVLM picks the nearest row of its count table: 192 (202.75 tokens per layer; 128 gives 140.8).
        RunConfiguration sparse = byLabel.get("sparsevlm");
        assertEquals(192, sparse.parameters().get("budget"));
        assertEquals(202.75, sparse.budget().achieved(), 1e-9);
        assertNull(byLabel.get("none").budget());
    }

    @Test
    void theDefaultExperimentSolvesFastVToTransPrunesFlops() {
        Path file =
                Path.of("..", "experiments", "default.yaml").toAbsolutePath().normalize();
        SweepPlan plan = ExperimentParser.parse(file, ExperimentParser.Mode.DRY_RUN, k -> null);
        Map<String, RunConfiguration> byLabel =
                plan.configurations().stream().collect(Collectors.toMap(RunConfiguration::label, c -> c));
        RunConfiguration fastv = byLabel.get("FastV");
        double transprune = byLabel.get("TransPrune").cost().flopsRatio();
        assertEquals(0.41, fastv.budget().target());
        assertEquals(0.41, transprune, 0.001);
        // 144 image tokens, after layer 2 of 10: r = 0.71 keeps 42 (40.9%); 0.72 (by hand before) kept 40 (39.9%).
        assertEquals(0.71, fastv.parameters().get("r"));
        assertEquals(42, fastv.cost().schedule().stages().get(0).keep());
        assertEquals(fastv.cost().flopsRatio(), fastv.budget().achieved(), 0.0);
        assertTrue(Math.abs(fastv.cost().flopsRatio() - transprune) < 0.005);
    }

    @Test
    void projectorStagesOnLlavaNextArePricedPerViewAndSolvedOnTheWholeImage() throws IOException {
        SweepPlan plan = plan(
                "model: {preset: llava-next-7b}",
                "benchmarks: [gqa]",
                "strategies:",
                "  - {name: visionzip, label: vz64, params: {tokens: 64}}",
                "  - {name: divprune, label: dp64, params: {tokens: 64}}",
                "  - {name: visionzip, label: vz480, budget: {tokens: 480}}",
                "  - {chain: [{name: visionzip, params: {tokens: 128}}, {name: transprune, schedule: llava-1.5}], label: chain}");
        Map<String, RunConfiguration> byLabel =
                plan.configurations().stream().collect(Collectors.toMap(RunConfiguration::label, c -> c));
        // The nominal NeXT image: a base view and four tiles of 576 tokens; each view lets 64 in.
        for (String label : List.of("vz64", "dp64")) {
            PruneSchedule s = byLabel.get(label).cost().schedule();
            assertEquals(2880, s.imageTokens(), label);
            assertEquals(5 * 64, s.enteringTokens(), label + ": views x tokens enter the decoder");
        }
        // A budget of 480 entering tokens is 96 per view.
        RunConfiguration solved = plan.configurations().stream()
                .filter(c -> c.label().startsWith("vz480"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no vz480 configuration in " + byLabel.keySet()));
        assertEquals(480, solved.cost().schedule().enteringTokens());
        assertEquals(96, ((Number) solved.parameters().get("tokens")).intValue());
        // A chain's in-LLM member is scheduled on the 5 x 128 tokens that entered.
        PruneSchedule chain = byLabel.get("chain").cost().schedule();
        assertEquals(640, chain.enteringTokens());
        assertEquals(640, chain.stages().get(0).keep());
        assertTrue(chain.stages().size() > 1, "TransPrune's stages follow the projector stage");
        assertTrue(chain.stages().get(1).keep() < 640);
    }
}
