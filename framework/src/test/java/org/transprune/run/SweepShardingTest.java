package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cli.Main;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.records.ResultsLog;
import org.transprune.report.ResultTables;
import org.transprune.report.RunResults;
import org.transprune.synth.AnswerKeyEntry;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

class SweepShardingTest {
    @TempDir
    static Path shared;

    static Path experiment;
    static Path data;
    static SweepPlan plan;
    static Path cleanOut;

    @BeforeAll
    static void cleanRun() throws IOException {
        Path ckpt = TinyCheckpointDirs.write(shared.resolve("ckpt"));
        data = shared.resolve("synth");
        SynthDataset.write(data, 5, 3, 3, Split.VAL);
        experiment = shared.resolve("shards.yaml");
        Files.writeString(
                experiment,
                String.join(
                                "\n",
                                "model: {path: " + ckpt + ", device: cpu, weights: fp32}",
                                "benchmarks: [{name: synth, root: " + data + "}]",
                                "max_new_tokens: 2",
                                "strategies:",
                                "  - {name: test-keep, params: {layers: [1], ratios: [0.5]}}",
                                "  - test-unpruned")
                        + "\n");
        plan = ExperimentParser.parse(experiment, ExperimentParser.Mode.RUN);
        cleanOut = shared.resolve("clean");
        SweepRunner.run(
                plan.withOutput(cleanOut), SweepRunner.Options.quiet(new PrintStream(new ByteArrayOutputStream())));
    }

    @Test
    void shardsSplitTheWorkDisjointlyAndTheirMergeEqualsTheUnshardedRun() throws IOException {
        Path out = shared.resolve("sharded");
        SweepPlan p = plan.withOutput(out);
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (int k = 0; k < 3; k++) {
            Shard shard = new Shard(k, 3);
            SweepRunner.Result r = SweepRunner.run(
                    p,
                    new SweepRunner.Options(
                            shard, false, new PrintStream(new ByteArrayOutputStream()), Duration.ofSeconds(30)));
            assertEquals(out.resolve("shards").resolve("shard-" + k + "-of-3"), r.directory());
            for (ObjectNode rec : RecordJson.read(r.directory())) {
                if (RecordJson.isSample(rec)) {
                    assertTrue(seen.add(RecordJson.unitKey(rec)), "a unit in two shards");
                    assertTrue(shard.owns(
                            rec.path("config").asText(),
                            "synth",
                            rec.path("sample").asText()));
                    total++;
                }
            }
        }
        assertEquals(2 * 9, total, "every unit in exactly one shard");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Path> shards = List.of(0, 1, 2).stream()
                .map(k -> out.resolve("shards/shard-" + k + "-of-3"))
                .toList();
        RunMerger.Result m = RunMerger.merge(shards, out, null, new PrintStream(printed, true));
        assertEquals(18, m.added());
        assertTrue(m.incomplete().isEmpty(), m.incomplete().toString());
        assertEquals(SweepResumeTest.byUnit(ResultsLog.read(cleanOut)), SweepResumeTest.byUnit(ResultsLog.read(out)));
        // Merging again adds nothing.
        RunMerger.Result again = RunMerger.merge(shards, out, null, new PrintStream(printed, true));
        assertEquals(0, again.added());
        assertEquals(18, again.duplicates());
        assertEquals(0, again.summaries().size());
    }

    @Test
    void synthRecordsCarryKeptPatchesRecallCorrectnessAndAgreementComputedFromTheAnswerKey() throws IOException {
        Map<String, AnswerKeyEntry> key = new HashMap<>();
        for (AnswerKeyEntry e : SynthDataset.readAnswers(data)) {
            key.put(Long.toString(e.questionId()), e);
        }
        List<ObjectNode> records = RecordJson.read(cleanOut);
        RunConfiguration pruned = plan.configurations().stream()
                .filter(c -> !c.unpruned())
                .findFirst()
                .orElseThrow();
        RunConfiguration full = plan.configurations().stream()
                .filter(RunConfiguration::unpruned)
                .findFirst()
                .orElseThrow();
        Map<String, String> fullAnswers = new HashMap<>();
        records.stream()
                .filter(r -> RecordJson.isSample(r) && r.path("config").asText().equals(full.hash()))
                .forEach(r -> fullAnswers.put(
                        r.path("sample").asText(), r.path("answer").asText()));
        int n = 0;
        int right = 0;
        int agree = 0;
        for (ObjectNode r : records) {
            if (!RecordJson.isSample(r) || !r.path("config").asText().equals(pruned.hash())) {
                continue;
            }
            AnswerKeyEntry e = key.get(r.path("sample").asText());
            // The tiny model sees a 4 x 4 grid; ratio 0.5 of 16 keeps the first 8 patches after layer 1.
            int[] relevant = e.question().relevantPatches(4);
            assertEquals(List.of(1), List.of(r.path("stage_layers").get(0).asInt()));
            JsonNode kept = r.path("kept_patches").get(0);
            for (int i = 0; i < 8; i++) {
                assertEquals(i, kept.get(i).asInt());
            }
            assertEquals(8, kept.size());
            JsonNode rel = r.path("relevant_patches");
            assertEquals(relevant.length, rel.size());
            long inFirstEight = Arrays.stream(relevant).filter(x -> x < 8).count();
            if (relevant.length == 0) {
                assertTrue(r.path("recall").get(0).isNull());
            } else {
                assertEquals(
                        (double) inFirstEight / relevant.length,
                        r.path("recall").get(0).asDouble(),
                        1e-12);
            }
            String answer = r.path("answer").asText().strip().toLowerCase(Locale.ROOT);
            boolean ok = answer.replaceAll("\\.+$", "").equals(e.question().answer());
            assertEquals(ok, r.path("correct").asBoolean());
            assertEquals(
                    List.of(64, 64, 64, 64).size(), r.path("tokens_per_layer").size());
            n++;
            right += ok ? 1 : 0;
            agree += r.path("answer")
                            .asText()
                            .strip()
                            .equals(fullAnswers.get(r.path("sample").asText()).strip())
                    ? 1
                    : 0;
        }
        assertEquals(9, n);
        ObjectNode summary = records.stream()
                .filter(r ->
                        RecordJson.isSummary(r) && r.path("config").asText().equals(pruned.hash()))
                .findFirst()
                .orElseThrow();
        assertEquals(100.0 * right / n, summary.path("metrics").path("accuracy").asDouble(), 1e-9);
        assertEquals((double) agree / n, summary.path("agreement").asDouble(), 1e-12);
        assertEquals(full.hash(), summary.path("agreement_with").asText());
        assertEquals(pruned.cost().tflops(), summary.path("tflops").asDouble(), 1e-15);
        assertTrue(summary.path("recall").has("all"));
        JsonNode prov = summary.path("provenance");
        for (String f : List.of(
                "config_hash",
                "seed",
                "project_version",
                "git_commit",
                "djl",
                "pytorch",
                "device",
                "host",
                "started_at",
                "ended_at")) {
            assertTrue(prov.hasNonNull(f), "provenance." + f + " in " + prov);
        }
        assertEquals(pruned.hash(), prov.path("config_hash").asText());
        assertTrue(prov.path("git_commit").asText().matches("[0-9a-f]{40}(-dirty)?|unknown"), prov.toString());
        // The unpruned row has no agreement with itself.
        ObjectNode fullSummary = records.stream()
                .filter(r ->
                        RecordJson.isSummary(r) && r.path("config").asText().equals(full.hash()))
                .findFirst()
                .orElseThrow();
        assertTrue(!fullSummary.has("agreement"));
    }

    @Test
    void slurmScriptsRunEveryShardAndMergeAfterwards() throws Exception {
        SlurmScript s = new SlurmScript(
                experiment, 4, "transprune", shared.resolve("out"), "02:00:00", null, 4, "8G", 0, "-Xmx2g");
        String array = s.arrayScript("x");
        assertTrue(array.contains("#SBATCH --array=0-3"), array);
        assertTrue(array.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""), array);
        assertTrue(array.contains("-Xmx2g"), array);
        String merge = s.mergeScript("x");
        assertTrue(merge.contains("merge --out '" + shared.resolve("out") + "'"), merge);
        assertTrue(merge.contains("shards/shard-*-of-4"), merge);
        String submit = s.submitScript(shared.resolve("a.sbatch"), shared.resolve("m.sbatch"));
        assertTrue(submit.contains("--dependency=afterany:${array}"), submit);
        for (String script : List.of(array, merge, submit)) {
            Path f = Files.createTempFile(shared, "script", ".sh");
            Files.writeString(f, script);
            Process p = new ProcessBuilder("bash", "-n", f.toString())
                    .redirectErrorStream(true)
                    .start();
            String err = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), err);
        }
        // Each shard index the array produces is a valid shard.
        for (int k = 0; k < 4; k++) {
            assertEquals(k, Shard.parse(k + "/4").index());
        }
    }

    @Test
    void theTableOfARealRunHasARowPerConfigurationWithItsMeasuredAccuracy() throws Exception {
        tech.tablesaw.api.Table summaries = RunResults.load(cleanOut);
        tech.tablesaw.api.Table t = ResultTables.paperTable(summaries, "t");
        assertEquals(
                List.of("test-unpruned", "test-keep"), t.stringColumn("method").asList());
        for (ObjectNode s : RecordJson.read(cleanOut)) {
            if (RecordJson.isSummary(s)) {
                int row = t.stringColumn("method")
                        .indexOf(s.path("configuration").path("label").asText());
                assertEquals(
                        s.path("metrics").path("accuracy").asDouble(),
                        t.doubleColumn("synth").get(row),
                        1e-12);
            }
        }
        int code = Main.commandLine().execute("table", cleanOut.toString(), "--no-plots");
        assertEquals(0, code);
        assertTrue(Files.readString(cleanOut.resolve("report/table.md")).contains("| test-keep |"));
    }
}
