package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.ModelPresets;
import org.transprune.cost.CostModel;
import org.transprune.cost.PruneSchedule;
import org.transprune.cost.TokenBudget;
import org.transprune.records.SolvedBudget;

/**
 * Budgets solved from the cost model on LLaVA-1.5-7B's shape (32 layers, N = 576): a number parameter meets a
 * FLOPs ratio within one kept token and is written as its shortest decimal, a count parameter meets a token budget
 * exactly when it can, and unreachable budgets, strategies without a budget parameter and a budget parameter also
 * written are errors at their line.
 */
class BudgetSolverTest {
    static final int N = 576;
    static final CostModel COST =
            CostModel.of(ModelPresets.config("llava-1.5-7b").text());

    @TempDir
    Path tmp;

    private Path write(String... lines) throws IOException {
        Path f = tmp.resolve("budget.yaml");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    private SweepPlan plan(String... strategies) throws IOException {
        String[] head = {"model: {preset: llava-1.5-7b}", "benchmarks: [gqa]"};
        String[] all = new String[head.length + strategies.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(strategies, 0, all, head.length, strategies.length);
        return ExperimentParser.parse(write(all), ExperimentParser.Mode.DRY_RUN, k -> null);
    }

    private static double ratioKeeping(int k, int keep) {
        PruneSchedule s = new PruneSchedule(N, List.of(new PruneSchedule.Stage(k, keep)));
        return (double) COST.totalFlops(s) / COST.totalFlops(PruneSchedule.unpruned(N));
    }

    @Test
    void aDropFractionMeetsAFlopsRatioWithinOneTokenAsItsShortestDecimal() throws IOException {
        SweepPlan plan = plan("strategies:", "  - {name: test-drop, params: {k: 2}, budget: {tflops_ratio: 0.5}}");
        RunConfiguration c = plan.configurations().get(0);
        double r = (Double) c.parameters().get("r");
        int keep = c.cost().schedule().stages().get(0).keep();
        assertEquals((int) Math.rint(N * (1 - r)), keep);
        double achieved = c.cost().flopsRatio();
        // The nearest step: neither neighbouring kept count comes closer to the target.
        assertTrue(Math.abs(achieved - 0.5) <= Math.abs(ratioKeeping(2, keep - 1) - 0.5), "vs one token fewer");
        assertTrue(Math.abs(achieved - 0.5) <= Math.abs(ratioKeeping(2, keep + 1) - 0.5), "vs one token more");
        assertTrue(ratioKeeping(2, keep - 1) < 0.5 && 0.5 < ratioKeeping(2, keep + 1), "the target lies in reach");
        // The value is the shortest decimal giving that count: one digit fewer would give another schedule.
        String digits = Double.toString(r);
        int decimals = digits.length() - digits.indexOf('.') - 1;
        double coarser = Math.pow(10, -(decimals - 1));
        double lo = Math.floor(r / coarser) * coarser;
        double hi = Math.ceil(r / coarser) * coarser;
        assertTrue((int) Math.rint(N * (1 - lo)) != keep && (int) Math.rint(N * (1 - hi)) != keep, "r = " + r);

        SolvedBudget b = c.budget();
        assertEquals("tflops_ratio", b.measure());
        assertEquals(0.5, b.target());
        assertEquals("r", b.parameter());
        assertEquals(achieved, b.achieved(), 0.0);
        assertEquals(N, b.imageTokens());
        // r from 0 (nothing dropped) to just below 1 (nothing kept after layer 2 of 32): 1 down to 2/32 of the FLOPs.
        assertEquals(ratioKeeping(2, 0), b.reachable().get(0), 1e-12);
        assertEquals(1.0, b.reachable().get(1), 1e-12);
    }

    @Test
    void theSolvedValueHasTheHashOfTheSameValueWritten() throws IOException {
        SweepPlan solved = plan("strategies:", "  - {name: test-drop, params: {k: 2}, budget: {tflops_ratio: 0.5}}");
        Object r = solved.configurations().get(0).parameters().get("r");
        SweepPlan written = plan("strategies:", "  - {name: test-drop, params: {k: 2, r: " + r + "}}");
        assertEquals(
                written.configurations().get(0).hash(),
                solved.configurations().get(0).hash(),
                "a budget is not part of the hash");
        assertNull(written.configurations().get(0).budget());
    }

    @Test
    void aTokenCountMeetsATokenBudgetExactlyWhenItCanAndOtherwiseTheNearest() throws IOException {
        // After layer 2 of 32 with t kept: the mean tokens per layer is (2 * 576 + 30 t) / 32.
        SweepPlan exact = plan("strategies:", "  - {name: test-count, budget: {tokens: 129.75}}");
        RunConfiguration c = exact.configurations().get(0);
        assertEquals(100, c.parameters().get("tokens"));
        assertEquals(129.75, TokenBudget.of(c.cost()), 0.0);
        assertEquals(129.75, c.budget().achieved(), 0.0);

        SweepPlan near = plan("strategies:", "  - {name: test-count, budget: {tokens: 100}}");
        // 68 gives 99.75, 69 gives 100.6875: 68 is nearer.
        assertEquals(68, near.configurations().get(0).parameters().get("tokens"));
        assertEquals(99.75, near.configurations().get(0).budget().achieved(), 0.0);
        assertEquals(
                List.of(36.0 + 30.0 / 32, 576.0),
                near.configurations().get(0).budget().reachable());
    }

    @Test
    void anExperimentBudgetReachesEveryPruningEntryButNotTheUnprunedOneOrAnEntryThatOptsOut() throws IOException {
        SweepPlan plan = plan(
                "budget: {tflops_ratio: 0.4}",
                "strategies:",
                "  - test-unpruned",
                "  - {name: test-drop, params: {k: 3}}",
                "  - {name: test-count}",
                "  - {name: test-keep, label: fixed, params: {ratios: [0.25]}, budget: none}");
        assertEquals(4, plan.configurations().size());
        assertNull(plan.configurations().get(0).budget(), "the unpruned reference is left alone");
        for (int i = 1; i <= 2; i++) {
            RunConfiguration c = plan.configurations().get(i);
            assertNotNull(c.budget(), c.describe());
            assertEquals(0.4, c.cost().flopsRatio(), 0.01, c.describe());
        }
        assertNull(plan.configurations().get(3).budget());
        assertEquals(List.of(0.25), plan.configurations().get(3).parameters().get("ratios"));
    }

    @Test
    void aBudgetListGivesOneConfigurationPerBudgetAndTheUnprunedReferenceOnce() throws IOException {
        SweepPlan plan = plan(
                "budget: {tokens: [64, 128, 192]}",
                "strategies:",
                "  - test-unpruned",
                "  - {name: test-count}",
                "  - {name: test-drop, params: {k: 2}, budget: {tflops_ratio: [0.5, 0.25]}}");
        assertEquals(
                List.of(),
                plan.warnings().stream()
                        .filter(w -> w.message().contains("already listed"))
                        .toList(),
                "the unpruned reference is not listed three times");
        List<RunConfiguration> cs = plan.configurations();
        assertEquals(1 + 3 + 2, cs.size());
        assertNull(cs.get(0).budget());
        for (int i = 0; i < 3; i++) {
            RunConfiguration c = cs.get(1 + i);
            assertEquals(64.0 * (i + 1), c.budget().target(), 0.0);
            assertEquals(TokenBudget.of(c.cost()), c.budget().achieved(), 0.0);
            assertEquals(c.budget().target(), c.budget().achieved(), 1.0, c.describe());
        }
        assertEquals(0.5, cs.get(4).cost().flopsRatio(), 0.01);
        assertEquals(0.25, cs.get(5).cost().flopsRatio(), 0.01);
        assertEquals(6, cs.stream().map(RunConfiguration::hash).distinct().count());
    }

    @Test
    void aChainMeetsItsBudgetWithItsFirstMembersTokensAndTheSecondAsWritten() throws IOException {
        SweepPlan plan = plan(
                "budget: {tflops_ratio: 0.3}",
                "strategies:",
                "  - chain: [test-first, {name: test-keep, params: {ratios: [0.5]}}]",
                "  - chain: [test-first, {name: test-keep, params: {ratios: [0.5]}}]",
                "    budget: {tokens: [64, 192]}",
                "  - chain: [{name: test-first, params: {tokens: 100}}, test-keep]",
                "    budget: none");
        List<RunConfiguration> cs = plan.configurations();
        assertEquals(4, cs.size());
        RunConfiguration flops = cs.get(0);
        assertEquals("test-first.tokens", flops.budget().parameter());
        assertEquals(flops.cost().flopsRatio(), flops.budget().achieved(), 0.0);
        int t = (Integer) flops.parameters().get("test-first.tokens");
        // No other entering count is nearer the target: price t - 1 and t + 1 as written chains.
        SweepPlan around = plan(
                "strategies:",
                "  - chain: [{name: test-first, params: {tokens: " + (t - 1) + "}}, {name: test-keep, params: {ratios:"
                        + " [0.5]}}]",
                "  - chain: [{name: test-first, params: {tokens: " + (t + 1) + "}}, {name: test-keep, params: {ratios:"
                        + " [0.5]}}]");
        double here = Math.abs(flops.cost().flopsRatio() - 0.3);
        for (RunConfiguration c : around.configurations()) {
            assertTrue(Math.abs(c.cost().flopsRatio() - 0.3) >= here, c.describe());
        }
        assertEquals(
                "after [0, 2]: 576 -> " + t + " -> " + (t / 2),
                flops.cost().schedule().describe());
        assertEquals(64, cs.get(1).parameters().get("test-first.tokens"));
        assertEquals(192, cs.get(2).parameters().get("test-first.tokens"));
        assertEquals(192.0, cs.get(2).budget().achieved(), 0.0);
        assertEquals(List.of(0.5), cs.get(2).parameters().get("test-keep.ratios"));
        assertNull(cs.get(3).budget());
        assertEquals(100, cs.get(3).parameters().get("test-first.tokens"));
    }

    @Test
    void aChainWhoseFirstMemberIsWrittenAndBudgetedIsAnError() throws IOException {
        Path f = write(
                "model: {preset: llava-1.5-7b}",
                "benchmarks: [gqa]",
                "strategies:",
                "  - chain: [{name: test-first, params: {tokens: 100}}, test-keep]",
                "    budget: {tokens: 64}",
                "  - {name: test-count, budget: {tokens: [64, 64]}}",
                "  - {name: test-count, budget: {tokens: [64, x]}}",
                "  - {name: test-count, budget: {tokens: []}}");
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN, k -> null));
        ExperimentProblem p = problem(e, "strategies[0].budget", "do not set it as well");
        assertEquals(5, p.line());
        assertTrue(p.message().contains("the chain's first member, 'test-first', meets the budget"), p.message());
        assertEquals(
                6,
                problem(e, "strategies[1].budget.tokens[1]", "repeats tokens 64")
                        .line());
        assertEquals(
                7,
                problem(e, "strategies[2].budget.tokens[1]", "must be a number").line());
        assertEquals(
                8, problem(e, "strategies[3].budget.tokens", "non-empty list").line());
    }

    @Test
    void budgetsThatCannotBeMetAreErrorsAtTheirLineSayingTheReachableRange() throws IOException {
        Path f = write(
                "model: {preset: llava-1.5-7b}",
                "benchmarks: [gqa]",
                "strategies:",
                "  - name: test-drop",
                "    params: {k: 16}",
                "    budget: {tflops_ratio: 0.1}",
                "  - name: test-keep",
                "    budget: {tokens: 100}",
                "  - name: test-drop",
                "    params: {r: 0.3}",
                "    budget: {tokens: 100}",
                "  - {name: test-count, budget: {flops: 2}}",
                "  - {name: test-count, budget: {tflops_ratio: 1.5}}");
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN, k -> null));
        ExperimentProblem unreachable = problem(e, "strategies[0].budget", "cannot be met");
        assertEquals(6, unreachable.line());
        assertEquals(f, unreachable.file());
        // After layer 16 of 32 with nothing kept, half the layers still hold all 576 tokens.
        assertTrue(unreachable.message().contains("reaches tflops_ratio from 0.5000 to 1.000"), unreachable.message());
        assertEquals(
                8,
                problem(e, "strategies[1].budget", "declares no budget parameter")
                        .line());
        assertEquals(
                11, problem(e, "strategies[2].budget", "do not set it as well").line());
        assertEquals(
                12,
                problem(e, "strategies[3].budget.flops", "unknown budget 'flops'")
                        .line());
        assertEquals(
                13,
                problem(e, "strategies[4].budget.tflops_ratio", "must be in (0, 1]")
                        .line());
    }

    @Test
    void anInheritedBudgetOnAStrategyWithoutABudgetParameterNamesTheEntryAndTheExperimentBudget() throws IOException {
        Path f = write(
                "model: {preset: llava-1.5-7b}",
                "benchmarks: [gqa]",
                "budget: {tokens: 192}",
                "strategies:",
                "  - {name: test-keep}");
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN, k -> null));
        ExperimentProblem p = problem(e, "strategies[0]", "declares no budget parameter");
        assertEquals(5, p.line());
        assertTrue(p.message().contains("from the experiment's budget tokens 192 (budget.yaml:3)"), p.message());
    }

    @Test
    void thePlanRecordsTheSolvedBudgetAndBothBudgetFigures() throws IOException {
        SweepPlan plan = plan("strategies:", "  - {name: test-count, budget: {tokens: 129.75}}");
        Path dir = tmp.resolve("run");
        RunDirectory.writePlan(dir, plan, Shard.ALL);
        JsonNode c = org.transprune.records.Records.MAPPER
                .readTree(dir.resolve(RunDirectory.PLAN).toFile())
                .path("configurations")
                .get(0);
        assertEquals("tokens", c.path("budget").path("measure").asText());
        assertEquals("tokens", c.path("budget").path("parameter").asText());
        assertEquals(129.75, c.path("budget").path("achieved").asDouble(), 0.0);
        assertEquals(129.75, c.path("budget_tokens").asDouble(), 0.0);
        assertTrue(c.path("flops_ratio").asDouble() > 0 && c.path("flops_ratio").asDouble() < 1);
    }

    @Test
    void theShortestDecimalOfAnInterval() {
        assertEquals(0.72, BudgetSolver.shortestDecimal(0.71875, 0.7256944), 0.0);
        assertEquals(0.7, BudgetSolver.shortestDecimal(0.41, 0.93), 0.0, "the one-digit decimal nearest the middle");
        assertEquals(0.123, BudgetSolver.shortestDecimal(0.1225, 0.1234), 0.0);
        assertEquals(3.0, BudgetSolver.shortestDecimal(2.2, 3.9), 0.0);
        assertEquals(List.of(0.7, 0.5, 0.1), BudgetSolver.scaled(List.of(0.875, 0.625, 0.125), 0.8));
    }

    private static ExperimentProblem problem(ExperimentException e, String key, String text) {
        return e.problems().stream()
                .filter(p -> p.key().equals(key) && p.message().contains(text))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no problem at " + key + " with '" + text + "' in\n" + e.problems()));
    }
}
