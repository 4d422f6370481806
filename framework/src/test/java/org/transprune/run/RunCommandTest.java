package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cli.CliRun;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.records.ResultsLog;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;

class RunCommandTest {
    @TempDir
    Path tmp;

    private static CliRun cli(String... args) {
        return CliRun.execute(args);
    }

    @Test
    void dryRunPrintsEveryConfigurationWithItsScheduleAndLoadsNoModel() throws Exception {
        Path ckpt = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Path data = tmp.resolve("synth");
        SynthDataset.write(data, 3, 1, 2, Split.TEST);
        Path f = tmp.resolve("x.yaml");
        Files.writeString(
                f,
                String.join(
                                "\n",
                                "model: {path: " + ckpt + "}",
                                "benchmarks: [{name: synth, root: " + data + "}]",
                                "strategies:",
                                "  - test-unpruned",
                                "  - {name: test-keep, grid: {ratios: [[0.5], [0.25]]}}")
                        + "\n");
        CliRun r = cli("run", f.toString(), "--dry-run");
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
        CliRun r = cli("run", f.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.yaml:1: model.preset"), r.err());
        assertTrue(r.err().contains("bad.yaml:2: benchmarks[0].name: unknown benchmark 'nosuchbench'"), r.err());
        assertTrue(r.err().contains("bad.yaml:4: extra: unknown key"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        CliRun shard = cli("run", f.toString(), "--shard", "4/4");
        assertEquals(2, shard.exit());
        assertTrue(shard.err().contains("0 <= k < N"), shard.err());
    }

    @Test
    void thePaperExperimentsNameTheMissingEnvironmentVariablesWhereTheyAreUsed() {
        Path table1 = Path.of("..", "experiments", "table1.yaml");
        Path paths = Path.of("..", "experiments", "paths.yaml").toAbsolutePath().normalize();
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(table1, ExperimentParser.Mode.RUN, k -> null));
        List<ExperimentProblem> env = e.problems().stream()
                .filter(p -> p.message().contains("is not set"))
                .toList();
        assertTrue(
                env.stream()
                        .anyMatch(p -> p.file().equals(paths)
                                && p.key().equals("model.path")
                                && p.message().contains("TRANSPRUNE_LLAVA_7B")),
                e.getMessage());
        assertTrue(
                env.stream()
                        .anyMatch(p -> p.file().equals(paths)
                                && p.key().equals("data_root")
                                && p.message().contains("TRANSPRUNE_EVAL_DATA")),
                e.getMessage());
    }

    @Test
    void aCompletedRunWritesTheReportWithTheCategoryTableOfItsRecordsUnlessNoReport() throws Exception {
        Path ckpt = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Path data = tmp.resolve("synth");
        SynthDataset.write(data, 5, 3, 2, Split.TEST);
        Path f = tmp.resolve("sweep.yaml");
        Files.writeString(
                f,
                String.join(
                                "\n",
                                "model: {path: " + ckpt + ", device: cpu, weights: fp32}",
                                "benchmarks: [{name: synth, root: " + data + "}]",
                                "max_new_tokens: 2",
                                "strategies:",
                                "  - test-unpruned",
                                "  - name: test-keep",
                                "    zip: {layers: [[1, 2]], ratios: [[0.5, 0.25]]}",
                                "    params: {random: true}",
                                "seeds: [0, 1]",
                                "output: runs/sweep")
                        + "\n");
        Path out = tmp.resolve("runs/sweep");
        CliRun first = cli("run", f.toString(), "--no-progress", "--no-report");
        assertEquals(0, first.exit(), first.err() + first.out());
        assertTrue(Files.exists(out.resolve(ResultsLog.FILE_NAME)));
        assertFalse(Files.exists(out.resolve("report")), "--no-report");
        assertFalse(first.out().contains("### "), first.out());

        // Re-running the finished sweep answers nothing and writes the report.
        CliRun second = cli("run", f.toString(), "--no-progress");
        assertEquals(0, second.exit(), second.err() + second.out());
        assertTrue(second.out().contains("0 samples answered"), second.out());
        Path report = out.resolve("report");
        assertTrue(Files.size(report.resolve("table.md")) > 0);
        assertTrue(second.out().contains("### Results: sweep"), second.out());
        assertTrue(second.out().contains("### synth: accuracy and selection recall by question type"), second.out());
        assertEquals(
                Files.readString(report.resolve("table.md")),
                cliTable(out, tmp.resolve("again")),
                "run and table write the same tables");
        try (var pngs = Files.list(report.resolve("heatmaps"))) {
            assertEquals(
                    4,
                    pngs.filter(p -> p.getFileName().toString().matches("synth-\\d+\\.png"))
                            .count());
        }

        // The category table holds the means over seeds of what the records say.
        List<ObjectNode> records = RecordJson.read(out);
        Map<Long, String> keep = new TreeMap<>();
        Map<Long, String> full = new TreeMap<>();
        for (ObjectNode r : records) {
            if (RecordJson.isSummary(r)) {
                JsonNode c = r.path("configuration");
                (c.path("strategy").asText().equals("test-keep") ? keep : full)
                        .put(c.path("seed").asLong(), r.path("config").asText());
            }
        }
        assertEquals(List.of(0L, 1L), List.copyOf(keep.keySet()));
        Table t = Table.read().csv(report.resolve("table-synth-by-category.csv").toFile());
        assertEquals(
                List.of("test-unpruned", "test-keep"), t.stringColumn("method").asList());
        List<String> categories = new ArrayList<>();
        for (ObjectNode r : records) {
            String c = r.path("category").asText();
            if (RecordJson.isSample(r) && !categories.contains(c)) {
                categories.add(c);
            }
        }
        for (String category : categories) {
            double accuracy = 0;
            double recall = 0;
            int seedsWithRecall = 0;
            for (String config : keep.values()) {
                List<ObjectNode> mine = records.stream()
                        .filter(r -> RecordJson.isSample(r)
                                && r.path("config").asText().equals(config)
                                && r.path("category").asText().equals(category))
                        .toList();
                accuracy += 100.0
                        * mine.stream()
                                .filter(r -> r.path("correct").asBoolean())
                                .count()
                        / mine.size()
                        / 2;
                List<Double> last = mine.stream()
                        .map(r -> r.path("recall").get(1))
                        .filter(JsonNode::isNumber)
                        .map(JsonNode::asDouble)
                        .toList();
                if (!last.isEmpty()) {
                    recall += 100
                            * last.stream()
                                    .mapToDouble(Double::doubleValue)
                                    .average()
                                    .orElseThrow();
                    seedsWithRecall++;
                }
            }
            assertEquals(accuracy, number(t, category + " (%)", 1), 1e-9, category);
            if (seedsWithRecall > 0) {
                assertEquals(recall / seedsWithRecall, number(t, "recall " + category + " (%)", 1), 1e-9, category);
            }
            assertTrue(Double.isNaN(number(t, "recall " + category + " (%)", 0)), "the unpruned row prunes nothing");
        }
        double agreement = 0;
        for (long seed : keep.keySet()) {
            Map<String, String> reference = new TreeMap<>();
            records.stream()
                    .filter(r ->
                            RecordJson.isSample(r) && r.path("config").asText().equals(full.get(seed)))
                    .forEach(r -> reference.put(
                            r.path("sample").asText(), r.path("answer").asText().strip()));
            List<ObjectNode> mine = records.stream()
                    .filter(r ->
                            RecordJson.isSample(r) && r.path("config").asText().equals(keep.get(seed)))
                    .toList();
            agreement += 100.0
                    * mine.stream()
                            .filter(r -> r.path("answer")
                                    .asText()
                                    .strip()
                                    .equals(reference.get(r.path("sample").asText())))
                            .count()
                    / mine.size()
                    / 2;
        }
        assertEquals(agreement, number(t, "agreement (%)", 1), 1e-9);
    }

    /** {@code transprune table DIR --out OUT}'s table.md. */
    private static String cliTable(Path dir, Path out) throws IOException {
        CliRun r = cli("table", dir.toString(), "--out", out.toString(), "--no-plots");
        assertEquals(0, r.exit(), r.err());
        return Files.readString(out.resolve("table.md"));
    }

    /** A numeric cell of a table read back from CSV, NaN when empty. */
    private static double number(Table t, String column, int row) {
        NumericColumn<?> c = (NumericColumn<?>) t.column(column);
        return c.isMissing(row) ? Double.NaN : c.getDouble(row);
    }
}
