package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cli.Main;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

class RunCommandTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {}

    private static Run cli(String... args) {
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            return new Run(cl.execute(args), out.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void dryRunPrintsEveryConfigurationWithItsScheduleAndLoadsNoModel() throws Exception {
        Path ckpt = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Path data = tmp.resolve("synth");
        SynthDataset.write(data, 3, 1, 2, Split.TEST);
        Path f = tmp.resolve("x.yaml");
        Files.writeString(f, String.join("\n", "model: {path: " + ckpt + "}",
                "benchmarks: [{name: synth, root: " + data + "}]",
                "strategies:", "  - test-unpruned", "  - {name: test-keep, grid: {ratios: [[0.5], [0.25]]}}") + "\n");
        Run r = cli("run", f.toString(), "--dry-run");
        assertEquals(0, r.exit(), r.err());
        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN);
        assertEquals(3, plan.configurations().size());
        for (RunConfiguration c : plan.configurations()) {
            assertTrue(r.out().contains(c.hash()), r.out());
        }
        assertTrue(r.out().contains("16 -> 8") && r.out().contains("16 -> 4"), r.out());
        assertFalse(Files.exists(tmp.resolve("runs")), "a dry run writes nothing");
    }

    @Test
    void anInvalidFileExitsWithEveryProblemAndNoStackTrace() throws Exception {
        Path f = tmp.resolve("bad.yaml");
        Files.writeString(f, "model: {preset: nope}\nbenchmarks: [nosuchbench]\nstrategies: [test-keep]\nextra: 1\n");
        Run r = cli("run", f.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.yaml:1: model.preset"), r.err());
        assertTrue(r.err().contains("bad.yaml:2: benchmarks[0].name: unknown benchmark 'nosuchbench'"), r.err());
        assertTrue(r.err().contains("bad.yaml:4: extra: unknown key"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        Run shard = cli("run", f.toString(), "--shard", "4/4");
        assertEquals(2, shard.exit());
        assertTrue(shard.err().contains("0 <= k < N"), shard.err());
    }

    @Test
    void thePaperExperimentsNameTheMissingEnvironmentVariablesWhereTheyAreUsed() {
        Path table1 = Path.of("..", "experiments", "table1.yaml");
        Path paths = Path.of("..", "experiments", "paths.yaml").toAbsolutePath().normalize();
        ExperimentException e = assertThrows(ExperimentException.class,
                () -> ExperimentParser.parse(table1, ExperimentParser.Mode.RUN, k -> null));
        List<ExperimentProblem> env = e.problems().stream().filter(p -> p.message().contains("is not set")).toList();
        assertTrue(env.stream().anyMatch(p -> p.file().equals(paths) && p.key().equals("model.path")
                && p.message().contains("TRANSPRUNE_LLAVA_7B")), e.getMessage());
        assertTrue(env.stream().anyMatch(p -> p.file().equals(paths) && p.key().equals("data_root")
                && p.message().contains("TRANSPRUNE_EVAL_DATA")), e.getMessage());
    }
}
