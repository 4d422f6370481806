package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cli.Main;
import org.transprune.synth.QuestionType;

/**
 * One answer path: the accuracy a training run reports for its held-out set is the accuracy a sweep
 * ({@code transprune run}) reports for the same checkpoint and questions, overall, per question type
 * and in the count of right answers.
 */
class EvaluationMatchesSweepTest {
    @TempDir
    Path dir;

    @Test
    void trainingAccuracyEqualsTheSweepsAccuracy() throws Exception {
        // A tiny model trained 80 steps: some answers right (measured: 4 of 20, "yes" and "right"), not all.
        TrainingRecipe recipe = new TrainingRecipe(
                32,
                2,
                48,
                2,
                96,
                3,
                4,
                0,
                3e-3,
                4,
                List.of(new TrainingRecipe.Phase(80, 3)),
                3e-3,
                2,
                0.3,
                0.1,
                0.05,
                0.9,
                0.95,
                1.0,
                0.5,
                0,
                10,
                100);
        Path run = dir.resolve("train");
        EngineEvaluator.Result training;
        try (MicroTrainer t = MicroTrainer.start(recipe, run)) {
            t.reporter(line -> {});
            t.train(Long.MAX_VALUE, Double.MAX_VALUE, s -> {});
            training = t.evaluate(0);
        }
        assertEquals(20, training.questions());
        Path heldOut = run.resolve(MicroTrainer.HELDOUT_DIR);
        assertEquals(heldOut, EngineEvaluator.heldOut(heldOut, 3, 10, 2).dataset(), "the same set is reused");
        assertThrows(IllegalStateException.class, () -> EngineEvaluator.heldOut(heldOut, 3, 11, 2), "another set");
        assertTrue(
                training.correct() > 0 && training.correct() < training.questions(),
                "a vacuous comparison: " + training.correct() + " of " + training.questions() + " right");

        Path yaml = dir.resolve("sweep.yaml");
        Files.writeString(
                yaml,
                String.join(
                                "\n",
                                "model: {path: " + run.resolve(MicroTrainer.MODEL_DIR)
                                        + ", device: cpu, weights: fp32}",
                                "benchmarks: [{name: synth, root: " + run.resolve(MicroTrainer.HELDOUT_DIR) + "}]",
                                "max_new_tokens: " + EngineEvaluator.MAX_NEW_TOKENS,
                                "strategies: [test-unpruned]",
                                "output: runs/sweep")
                        + "\n");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute("run", yaml.toString(), "--no-progress", "--no-report"), err.toString());

        JsonNode summary = null;
        List<JsonNode> samples = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve("runs/sweep/results.jsonl"))) {
            JsonNode r = json.readTree(line);
            if ("summary".equals(r.path("type").asText())) {
                summary = r;
            } else if ("sample".equals(r.path("type").asText())) {
                samples.add(r);
            }
        }
        assertTrue(summary != null, "the sweep wrote no summary");
        assertEquals(training.questions(), samples.size());
        assertEquals(training.questions(), summary.path("judged").asInt());
        assertEquals(training.correct(), summary.path("correct").asInt());
        assertEquals(
                training.correct(),
                samples.stream().filter(s -> s.path("correct").asBoolean()).count());
        JsonNode metrics = summary.path("metrics");
        assertEquals(100.0 * training.overall(), metrics.path("accuracy").asDouble(), 1e-9);
        for (Map.Entry<QuestionType, Double> e : training.perType().entrySet()) {
            String name = "accuracy/" + e.getKey().category();
            assertTrue(metrics.has(name), name + " missing from " + metrics);
            assertEquals(100.0 * e.getValue(), metrics.path(name).asDouble(), 1e-9, name);
        }
    }
}
