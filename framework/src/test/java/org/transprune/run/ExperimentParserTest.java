package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.model.WeightPolicy;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

class ExperimentParserTest {
    @TempDir
    static Path shared;

    static Path ckpt;
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fixtures() throws IOException {
        ckpt = TinyCheckpointDirs.write(shared.resolve("ckpt"));
        data = shared.resolve("synth");
        SynthDataset.write(data, 7, 2, 2, Split.TEST);
    }

    private Path write(String name, String... lines) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    /** 1-based line of the first line containing {@code marker}. */
    private static int lineOf(String[] lines, String marker) {
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(marker)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line with " + marker);
    }

    private static ExperimentProblem find(List<ExperimentProblem> problems, String keyPrefix, String text) {
        return problems.stream()
                .filter(p -> p.key().startsWith(keyPrefix) && p.message().contains(text))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "no problem at " + keyPrefix + " mentioning '" + text + "' in\n" + problems));
    }

    @Test
    void everyProblemIsReportedAtOnceWithFileLineAndKey() throws IOException {
        String[] lines = {
            "model:",
            "  path: " + ckpt,
            "benchmarks:",
            "  - {name: synth, root: " + data + "}",
            "  - {name: gqa, questions: no/such/file.jsonl, images: .}",
            "colour: blue",
            "strategies:",
            "  - name: test-unpruned",
            "  - name: fancyprune",
            "  - name: test-keep",
            "    params: {layerz: [1]}",
            "  - name: test-keep",
            "    params:",
            "      alpha: high",
            "  - name: test-keep",
            "    zip:",
            "      layers: [[1], [9]]",
            "      ratios: [[0.5], [0.5]]",
            "max_new_tokens: many",
        };
        Path f = write("bad.yaml", lines);
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null));
        List<ExperimentProblem> ps = e.problems();

        ExperimentProblem unknownKey = find(ps, "colour", "unknown key");
        assertEquals(lineOf(lines, "colour:"), unknownKey.line());
        assertEquals(f.toAbsolutePath().normalize(), unknownKey.file());

        ExperimentProblem unknownStrategy = find(ps, "strategies[1].name", "unknown strategy 'fancyprune'");
        assertEquals(lineOf(lines, "fancyprune"), unknownStrategy.line());
        assertTrue(
                unknownStrategy.message().contains("test-keep")
                        && unknownStrategy.message().contains("test-unpruned"),
                "lists the registered strategies: " + unknownStrategy.message());

        ExperimentProblem unknownParam = find(ps, "strategies[2].params.layerz", "no parameter 'layerz'");
        assertEquals(lineOf(lines, "layerz"), unknownParam.line());

        ExperimentProblem wrongType = find(ps, "strategies[3].params.alpha", "must be a number");
        assertEquals(lineOf(lines, "alpha: high"), wrongType.line());

        ExperimentProblem schedule = find(ps, "strategies[4]", "beyond the model's depth");
        assertTrue(schedule.message().contains("4 layers"), schedule.message());
        assertEquals(lineOf(lines, "layers: [[1], [9]]"), schedule.line());

        ExperimentProblem missing = find(ps, "benchmarks[1].questions", "not found");
        assertEquals(lineOf(lines, "no/such/file"), missing.line());

        ExperimentProblem maxNew = find(ps, "max_new_tokens", "must be an integer");
        assertEquals(lineOf(lines, "max_new_tokens"), maxNew.line());

        assertEquals(7, ps.size(), "exactly the seven problems written into the file: " + ps);
        assertTrue(e.getMessage().contains("bad.yaml:" + lineOf(lines, "colour:")), e.getMessage());
    }

    @Test
    void gridsMultiplyZipsPairAndUnprunedConfigurationsComeFirst() throws IOException {
        Path f = write(
                "sweep.yaml",
                "model: {path: " + ckpt + ", device: cpu}",
                "benchmarks: [{name: synth, root: " + data + ", limit: 2}]",
                "seeds: [1, 2]",
                "strategies:",
                "  - name: test-keep",
                "    grid: {alpha: [0.4, 0.6]}",
                "    zip:",
                "      layers: [[1, 2], [2, 3]]",
                "      ratios: [[0.5, 0.25], [0.75, 0.5]]",
                "  - test-unpruned");
        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null);
        List<RunConfiguration> cs = plan.configurations();
        assertEquals(2 + 2 * 2 * 2, cs.size());
        assertTrue(cs.get(0).unpruned() && cs.get(1).unpruned(), "unpruned first");
        assertEquals("test-unpruned", cs.get(0).strategy());
        Set<String> combos = new HashSet<>();
        for (RunConfiguration c : cs.subList(2, cs.size())) {
            combos.add(c.parameters().get("alpha") + " " + c.parameters().get("layers") + " "
                    + c.parameters().get("ratios") + " " + c.seed());
            assertEquals(false, c.parameters().get("random"), "defaults are bound");
        }
        // zip pairs layers with ratios row by row: never [1, 2] with [0.75, 0.5]
        Set<String> expected = new HashSet<>();
        for (double a : new double[] {0.4, 0.6}) {
            for (String row : List.of("[1, 2] [0.5, 0.25]", "[2, 3] [0.75, 0.5]")) {
                for (int seed : new int[] {1, 2}) {
                    expected.add(a + " " + row + " " + seed);
                }
            }
        }
        assertEquals(expected, combos);
        // theoretical cost follows the schedule on the 4-layer, 16-token model: tokens per layer [16, 8, 4, 4]
        RunConfiguration first = cs.stream()
                .filter(c -> List.of(1, 2).equals(c.parameters().get("layers")))
                .findFirst()
                .orElseThrow();
        assertEquals(List.of(16, 8, 4, 4), first.cost().tokensPerLayer());
        assertEquals(
                cs.size(), cs.stream().map(RunConfiguration::hash).distinct().count(), "distinct hashes");
        assertEquals(2, plan.benchmarks().get(0).limit());
    }

    @Test
    void theHashIgnoresSpellingAndLabelsButNotValues() throws IOException {
        Path a = write(
                "a.yaml",
                "model: {path: " + ckpt + "}",
                "benchmarks: [{name: synth, root: " + data + "}]",
                "strategies: [{name: test-keep, label: Mine, params: {alpha: 0.5, layers: [2]}}]");
        Path b = write(
                "b.yaml",
                "model: {path: " + ckpt + "}",
                "benchmarks: [{name: synth, root: " + data + "}]",
                "strategies: [{name: test-keep}]");
        Path c = write(
                "c.yaml",
                "model: {path: " + ckpt + "}",
                "benchmarks: [{name: synth, root: " + data + "}]",
                "strategies: [{name: test-keep, params: {alpha: 0.6}}]");
        String ha = ExperimentParser.parse(a, ExperimentParser.Mode.RUN, k -> null)
                .configurations()
                .get(0)
                .hash();
        String hb = ExperimentParser.parse(b, ExperimentParser.Mode.RUN, k -> null)
                .configurations()
                .get(0)
                .hash();
        String hc = ExperimentParser.parse(c, ExperimentParser.Mode.RUN, k -> null)
                .configurations()
                .get(0)
                .hash();
        assertEquals(ha, hb, "explicit defaults and a label do not change what runs");
        assertNotEquals(ha, hc);
        assertTrue(ha.matches("[0-9a-f]{12}"), ha);
    }

    @Test
    void extendsMergesMappingsReplacesListsAndReportsProblemsInTheParentFile() throws IOException {
        Path parent = write(
                "paths.yaml",
                "model:",
                "  path: ${TINY_CKPT}",
                "  device: cpu",
                "data_root: ${SYNTH_DATA}",
                "benchmarks: [synth]",
                "strategies: [test-unpruned]",
                "seeds: [0, 1, 2]");
        Files.createDirectories(tmp.resolve("sub"));
        Path child = write(
                "sub/child.yaml",
                "extends: ../paths.yaml",
                "model: {weights: fp32}",
                "seeds: [5]",
                "strategies: [test-keep]");
        Map<String, String> env = Map.of("TINY_CKPT", ckpt.toString(), "SYNTH_DATA", data.toString());
        SweepPlan plan = ExperimentParser.parse(child, ExperimentParser.Mode.RUN, env::get);
        assertEquals(ckpt.toAbsolutePath().normalize(), plan.model().path(), "model.path inherited");
        assertEquals("cpu", plan.model().device());
        assertEquals(WeightPolicy.FP32, plan.model().weights(), "model.weights overridden");
        assertEquals(1, plan.configurations().size(), "lists replace: one strategy, one seed");
        assertEquals(5, plan.configurations().get(0).seed());
        assertEquals("test-keep", plan.configurations().get(0).strategy());
        assertEquals(data.resolve("questions.jsonl"), plan.benchmarks().get(0).questions());

        ExperimentException e = assertThrows(
                ExperimentException.class,
                () -> ExperimentParser.parse(
                        child, ExperimentParser.Mode.RUN, Map.of("SYNTH_DATA", data.toString())::get));
        ExperimentProblem p = find(e.problems(), "model.path", "TINY_CKPT is not set");
        assertEquals(parent.toAbsolutePath().normalize(), p.file(), "reported where the variable is used");
        assertEquals(2, p.line());
    }

    @Test
    void aDryRunPricesPresetsWithoutWeightsOrData() throws IOException {
        Path f = write(
                "paper.yaml",
                "model: {preset: llava-1.5-7b, path: \"${NOT_SET}\"}",
                "benchmarks: [gqa]",
                "strategies:",
                "  - test-unpruned",
                "  - {name: test-keep, params: {layers: [7, 9, 12], ratios: [0.875, 0.625, 0.125]}}");
        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN, k -> null);
        assertNull(plan.model().path());
        assertTrue(
                plan.warnings().stream().anyMatch(w -> w.message().contains("NOT_SET")),
                plan.warnings().toString());
        assertTrue(
                plan.warnings().stream().anyMatch(w -> w.key().startsWith("benchmarks[0]")),
                plan.warnings().toString());
        // docs/method.md#cost: LLaVA-1.5-7B unpruned prefill over the image tokens is 3.82 TFLOPs.
        double d = 4096;
        double m = 11008;
        double full = 32 * (4 * 576 * d * d + 2.0 * 576 * 576 * d + 3 * 576 * d * m) / 1e12;
        assertEquals(full, plan.configurations().get(0).cost().tflops(), 1e-9);
        assertEquals(3.82, full, 0.01);
        assertThrows(
                ExperimentException.class,
                () -> ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null),
                "a real run needs the checkpoint");
    }

    @Test
    void aNamedScheduleFillsTheParametersTheFileDoesNotSet() throws IOException {
        Path f = write(
                "schedule.yaml",
                "model: {preset: llava-1.5-7b}",
                "benchmarks: [gqa]",
                "strategies:",
                "  - {name: test-keep, schedule: micro, grid: {ratios: [[0.875, 0.625, 0.125], [0.75, 0.5, 0.25]]}}",
                "  - {name: test-keep, label: paper, schedule: llava-1.5}");
        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN, k -> null);
        List<RunConfiguration> c = plan.configurations();
        assertEquals(3, c.size());
        assertEquals(List.of(2, 3, 4), c.get(0).parameters().get("layers"));
        assertEquals(List.of(0.875, 0.625, 0.125), c.get(0).parameters().get("ratios"));
        assertEquals(List.of(0.75, 0.5, 0.25), c.get(1).parameters().get("ratios"), "the grid wins over the schedule");
        assertEquals(List.of(7, 9, 12), c.get(2).parameters().get("layers"));
        assertFalse(c.get(0).parameters().containsKey("window"), "test-keep declares no window");

        Path bad = write(
                "bad-schedule.yaml",
                "model: {preset: llava-1.5-7b}",
                "benchmarks: [gqa]",
                "strategies:",
                "  - {name: test-keep, schedule: tiny}",
                "  - {name: test-unpruned, schedule: micro}");
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(bad, ExperimentParser.Mode.DRY_RUN, k -> null));
        assertEquals(
                4,
                find(
                                e.problems(),
                                "strategies[0].schedule",
                                "unknown schedule 'tiny' (schedules: llava-1.5, micro, qwen2.5-vl-7b, qwen2.5-vl-3b)")
                        .line());
        assertEquals(
                5,
                find(e.problems(), "strategies[1].schedule", "none of the parameters")
                        .line());
    }
}
