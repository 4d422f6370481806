package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.JsonLines;
import org.transprune.cli.CliRun;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.records.ResultsLog;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

/**
 * Every bad experiment input ends {@code transprune run} with exit 2 and one line naming the file
 * (and line and key where there is one), before anything is written; validating writes nothing.
 */
class ExperimentValidationTest {
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

    private static CliRun cli(String... args) {
        return CliRun.execute(args);
    }

    private Path write(String name, String... lines) throws IOException {
        Path f = tmp.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    /** An experiment on {@code checkpoint} whose output is {@code tmp/runs/x}. */
    private Path experiment(Path checkpoint) throws IOException {
        return write(
                "x.yaml",
                "model: {path: " + checkpoint + ", device: cpu}",
                "benchmarks: [{name: synth, root: " + data + "}]",
                "strategies: [test-unpruned]",
                "output: runs/x");
    }

    /** Runs {@code file}, expecting exit 2 and one error line without parser internals; returns it. */
    private String refused(Path file) {
        CliRun r = cli("run", file.toString(), "--no-progress");
        assertEquals(2, r.exit(), r.err() + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("error: "), err);
        assertFalse(err.contains("Source:") || err.contains("\tat ") || err.contains("[Source"), err);
        assertFalse(Files.exists(tmp.resolve("runs")), "no run directory: " + err);
        return err;
    }

    private Path copyOfCheckpoint() throws IOException {
        Path copy = tmp.resolve("ckpt-copy");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(ckpt)) {
            for (Path p : files.toList()) {
                Files.copy(p, copy.resolve(p.getFileName()));
            }
        }
        return copy;
    }

    @Test
    void extendsOfAMissingFileNamesTheFileAndLineOfTheExtends() throws IOException {
        Path f = write("child.yaml", "name: child", "extends: nowhere.yaml", "strategies: [test-unpruned]");
        String err = refused(f);
        assertTrue(
                err.contains(f.toAbsolutePath().normalize() + ":2: extends: experiment file not found: "
                        + tmp.resolve("nowhere.yaml").toAbsolutePath().normalize()),
                err);
    }

    @Test
    void anExtendsCycleNamesTheFileAndLineThatClosesIt() throws IOException {
        write("a.yaml", "extends: b.yaml", "strategies: [test-unpruned]");
        Path b = write("b.yaml", "name: b", "extends: [c.yaml]");
        write("c.yaml", "model: {device: cpu}", "extends: a.yaml");
        String err = refused(tmp.resolve("a.yaml"));
        Path c = tmp.resolve("c.yaml").toAbsolutePath().normalize();
        assertTrue(err.contains(c + ":2: extends: inheritance cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml"), err);
        assertFalse(err.contains(b + ":"), "reported once, where the cycle closes: " + err);
    }

    @Test
    void aCheckpointWithoutTokenizerIsRefusedBeforePlanAndResultsExist() throws IOException {
        Path noTokenizer = copyOfCheckpoint();
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        Path f = experiment(noTokenizer);
        String err = refused(f);
        assertTrue(err.contains(f.toAbsolutePath().normalize() + ":1: model.path: "), err);
        assertTrue(err.contains(noTokenizer.resolve("tokenizer.json") + ": missing"), err);
    }

    @Test
    void anUnreadableTokenizerIsRefusedInOneCleanLine() throws IOException {
        Path broken = copyOfCheckpoint();
        Files.writeString(broken.resolve("tokenizer.json"), "{\"model\": {\"vocab\": [1, 2,\n  oops}}\n");
        String err = refused(experiment(broken));
        assertTrue(
                err.contains(":1: model.path: " + broken.resolve("tokenizer.json") + ":2: not valid JSON"),
                "points into the tokenizer file: " + err);
    }

    @Test
    void aBrokenConfigJsonIsOneLineWithoutTheJsonLibrarysLocationDump() throws IOException {
        Path broken = copyOfCheckpoint();
        Files.writeString(broken.resolve("config.json"), "{\"model_type\": llava}");
        String err = refused(experiment(broken));
        assertTrue(err.contains("model.path: " + broken.resolve("config.json") + ":1: not valid JSON"), err);
    }

    @Test
    void aJsonLocationDumpBecomesLineAndColumn() {
        JsonProcessingException json =
                assertThrows(JsonProcessingException.class, () -> JsonLines.MAPPER.readTree("{\n \"a\": nope}"));
        String line = YamlChecks.oneLine(new IllegalArgumentException("cannot read x: " + json.getMessage(), json));
        assertFalse(line.contains("Source"), line);
        assertTrue(line.startsWith("cannot read x: Unrecognized token 'nope'"), line);
        assertTrue(line.endsWith("(line 2, column " + json.getLocation().getColumnNr() + ")"), line);
        assertEquals(1, line.lines().count());
    }

    @Test
    void aMultiLineMessageBecomesOneLine() {
        assertEquals(
                "3 tensors missing: a; b; c",
                YamlChecks.oneLine(new IllegalArgumentException("3 tensors missing:\n  a\n  b\n  c\n")));
        assertEquals("cannot load x", YamlChecks.oneLine(new IllegalStateException("cannot load x")));
    }

    @Test
    void invalidYamlIsOneLineWithItsLine() throws IOException {
        Path f = write("bad.yaml", "model: {path: x", "benchmarks: [synth]");
        String err = refused(f);
        assertTrue(err.contains(f.toAbsolutePath().normalize() + ":"), err);
        assertTrue(err.contains("not valid YAML"), err);
    }

    @Test
    void validatingWritesNoDataAndThePreparationStepGeneratesItOnce() throws IOException {
        Path root = tmp.resolve("data/synth-gen");
        Path f = write(
                "gen.yaml",
                "model: {path: " + ckpt + ", device: cpu}",
                "benchmarks:",
                "  - {name: synth, root: data/synth-gen, generate: {seed: 3, images: 2, questions_per_image: 2}}",
                "strategies: [test-unpruned]",
                "output: runs/gen");
        for (ExperimentParser.Mode mode : ExperimentParser.Mode.values()) {
            SweepPlan plan = ExperimentParser.parse(f, mode, k -> null);
            assertFalse(Files.exists(tmp.resolve("data")), "parsing (" + mode + ") writes nothing");
            assertEquals(
                    root.resolve(SynthDataset.QUESTIONS),
                    plan.benchmarks().get(0).questions());
            assertEquals(1, plan.preparation().pending().size());
        }
        CliRun dry = cli("run", f.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(
                dry.out().contains("before the run: generates the synthetic test split (seed 3, 2 images)"), dry.out());
        assertFalse(Files.exists(tmp.resolve("data")), "a dry run writes nothing");

        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null);
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        plan.preparation().prepare(new PrintStream(said, true));
        assertTrue(said.toString().contains("generated the synthetic test split in " + root), said.toString());
        Path reference = tmp.resolve("reference");
        SynthDataset.write(reference, 3, 2, 2, Split.TEST);
        for (String file : List.of(SynthDataset.QUESTIONS, SynthDataset.ANSWERS)) {
            assertEquals(
                    Files.readString(reference.resolve(file)),
                    Files.readString(root.resolve(file)),
                    file + " as transprune synth writes it");
        }
        try (Stream<Path> siblings = Files.list(root.getParent())) {
            assertEquals(List.of(root), siblings.toList(), "no staging directory left behind");
        }
        assertTrue(ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null)
                .preparation()
                .pending()
                .isEmpty());
        said.reset();
        plan.preparation().prepare(new PrintStream(said, true));
        assertEquals("", said.toString(), "present data is not written again");
    }

    @Test
    void aBadGenerateRecipeIsReportedWhereItIsWritten() throws IOException {
        Path f = write(
                "gen.yaml",
                "model: {path: " + ckpt + "}",
                "benchmarks:",
                "  - {name: synth, root: data/x, generate: {split: nope, images: 0}}",
                "strategies: [test-unpruned]");
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null));
        assertTrue(
                e.problems().stream()
                        .anyMatch(p -> p.key().equals("benchmarks[0].generate.split")
                                && p.line() == 3
                                && p.message().contains("must be one of")),
                e.getMessage());
        assertTrue(
                e.problems().stream()
                        .anyMatch(p -> p.key().equals("benchmarks[0].generate.images")
                                && p.message().contains("at least 1")),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void weightStorageDoesNotChangeTheHashAndEachStrategyIsBuiltOnce() throws IOException {
        String[] common = {
            "benchmarks: [{name: synth, root: " + data + "}]",
            "strategies: [{name: test-keep, grid: {alpha: [0.25, 0.75]}}]",
            "seeds: [0, 1]"
        };
        Path fp32 = write(
                "fp32.yaml",
                Stream.concat(Stream.of("model: {path: " + ckpt + ", weights: fp32}"), Stream.of(common))
                        .toArray(String[]::new));
        Path half = write(
                "half.yaml",
                Stream.concat(Stream.of("model: {path: " + ckpt + ", weights: half}"), Stream.of(common))
                        .toArray(String[]::new));
        SweepPlan a = ExperimentParser.parse(fp32, ExperimentParser.Mode.RUN, k -> null);
        SweepPlan b = ExperimentParser.parse(half, ExperimentParser.Mode.RUN, k -> null);
        assertEquals(
                a.configurations().stream().map(RunConfiguration::hash).toList(),
                b.configurations().stream().map(RunConfiguration::hash).toList(),
                "fp32 and half storage give bit-identical answers: same configurations");
        assertFalse(a.configurations().get(0).canonicalJson().contains("weights"));

        List<RunConfiguration> cs = a.configurations();
        assertEquals(4, cs.size());
        for (RunConfiguration c : cs) {
            assertNotNull(c.pruningStrategy());
            assertEquals("test-keep", c.pruningStrategy().name());
        }
        // Seeds of one parameter combination share the one strategy built for it.
        for (RunConfiguration c : cs) {
            for (RunConfiguration d : cs) {
                if (c.parameters().equals(d.parameters())) {
                    assertSame(c.pruningStrategy(), d.pruningStrategy());
                }
            }
        }
    }

    @Test
    void aRunDirectoryKeyedByTheOldHashIsRefusedWithOneLine() throws IOException {
        Path f = experiment(ckpt);
        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null);
        Path dir = tmp.resolve("runs/x");
        RunDirectory.writePlan(dir, plan, Shard.ALL);
        StaleHashes.check(plan, dir); // today's plan.json passes: its hashes are today's
        ObjectNode recorded = (ObjectNode)
                JsonLines.MAPPER.readTree(dir.resolve(RunDirectory.PLAN).toFile());
        ObjectNode c = (ObjectNode) recorded.path("configurations").get(0);
        assertEquals(plan.configurations().get(0).hash(), StaleHashes.rehash(c));

        // As an older version wrote it: the model's weights in the identity, and the hash over them.
        ((ObjectNode) c.path("model")).put("weights", "fp32");
        RunConfiguration old = new RunConfiguration(
                "test-unpruned",
                "",
                plan.configurations().get(0).parameters(),
                0,
                plan.configurations().get(0).maxNewTokens(),
                JsonLines.MAPPER.convertValue(c.path("model"), Map.class),
                null,
                null,
                plan.configurations().get(0).code());
        c.put("hash", old.hash());
        Files.writeString(dir.resolve(RunDirectory.PLAN), JsonLines.MAPPER.writeValueAsString(recorded));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StaleHashes.check(plan, dir));
        assertTrue(
                e.getMessage()
                        .contains(old.hash() + " is now "
                                + plan.configurations().get(0).hash()),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count());

        CliRun r = cli("run", f.toString(), "--no-progress");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("another version"), r.err());
        assertFalse(Files.exists(dir.resolve(ResultsLog.FILE_NAME)), "nothing written into the old directory");

        // merge refuses it too, before its target exists
        Path merged = tmp.resolve("merged");
        CliRun m = cli("merge", "--out", merged.toString(), "--experiment", f.toString(), dir.toString());
        assertEquals(2, m.exit(), m.err() + m.out());
        assertTrue(m.err().contains("another version"), m.err());
        assertFalse(Files.exists(merged), "merge created nothing");
    }
}
