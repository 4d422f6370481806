package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.JsonLines;
import org.transprune.records.ResultsLog;
import tech.tablesaw.api.Table;

/** The positional-bias metric on hand-worked cases, and its table and figure in every report. */
class PositionalBiasTest {
    @TempDir
    Path tmp;

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    @Test
    void keepingEveryTokenHasNoBiasAgainstAUniformSpread() {
        assertEquals(0.0, PositionalBias.bias(range(0, 144), 144, null), 1e-15);
        assertEquals(0.0, PositionalBias.bias(range(0, 576), 576, null), 1e-15);
        // A symmetric selection (first and last row of a 4 x 4 grid) is centred as well.
        assertEquals(0.0, PositionalBias.bias(new int[] {0, 1, 2, 3, 12, 13, 14, 15}, 16, null), 1e-15);
    }

    @Test
    void keepingTheEndOfTheBlockIsPositiveAndTheStartNegative() {
        // The last 4 of 16: positions (12.5 .. 15.5) / 16 average 14 / 16 = 0.875, 0.375 after the centre.
        assertEquals(0.375, PositionalBias.bias(range(12, 16), 16, null), 1e-15);
        assertEquals(-0.375, PositionalBias.bias(range(0, 4), 16, null), 1e-15);
        // In general the last k of n give (n - k) / (2n): 18 of 144 give 126 / 288.
        assertEquals(126.0 / 288, PositionalBias.bias(range(126, 144), 144, null), 1e-15);
    }

    @Test
    void againstTheRelevantPatchesTheReferenceIsTheirMeanPosition() {
        // Kept 0, 1 (mean 0.25) against relevant 2, 3 (mean 0.75) of 4: half a block before the answer.
        assertEquals(-0.5, PositionalBias.bias(new int[] {0, 1}, 4, new int[] {2, 3}), 1e-15);
        assertEquals(0.0, PositionalBias.bias(new int[] {2, 3}, 4, new int[] {2, 3}), 1e-15);
        assertTrue(Double.isNaN(PositionalBias.bias(new int[] {2}, 4, new int[0])), "no relevant patch: undefined");
    }

    @Test
    void theBlockPartsCoverTheBlock() {
        for (int n : new int[] {4, 10, 16, 144, 576, 2880}) {
            int sum = 0;
            for (int b = 0; b < PositionalBias.BLOCK_BINS; b++) {
                sum += PositionalBias.binSize(b, n);
            }
            assertEquals(n, sum, "n = " + n);
        }
        assertEquals(18, PositionalBias.binSize(3, 144));
    }

    private static ObjectNode summary(String hash, String label, String bench, double ratio) {
        ObjectNode s = JsonLines.MAPPER.createObjectNode();
        s.put("type", "summary");
        s.put("config", hash);
        s.put("benchmark", bench);
        ObjectNode c = s.putObject("configuration");
        c.put("strategy", label.toLowerCase());
        c.put("label", label);
        c.putObject("parameters");
        c.put("seed", 0);
        c.put("avg_retained_tokens", 16 * ratio);
        s.put("headline", "accuracy");
        s.putObject("metrics").put("accuracy", 50);
        s.put("samples", 2);
        s.put("skipped", 0);
        s.put("tflops", ratio);
        s.put("flops_ratio", ratio);
        return s;
    }

    private static ObjectNode sample(String hash, String bench, int i, int[] kept, int[] relevant) {
        ObjectNode s = JsonLines.MAPPER.createObjectNode();
        s.put("type", "sample");
        s.put("config", hash);
        s.put("benchmark", bench);
        s.put("sample", Integer.toString(i));
        s.put("answer", "x");
        s.put("correct", i == 0);
        s.put("image_tokens", 16);
        ArrayNode layers = s.putArray("stage_layers");
        if (kept != null) {
            layers.add(2);
            ArrayNode k = s.putArray("kept_patches").addArray();
            for (int p : kept) {
                k.add(p);
            }
        }
        if (relevant != null) {
            ArrayNode r = s.putArray("relevant_patches");
            for (int p : relevant) {
                r.add(p);
            }
        }
        return s;
    }

    private Path run(boolean withRelevant) throws Exception {
        Path run = tmp.resolve(withRelevant ? "gt" : "uniform");
        Files.createDirectories(run);
        List<ObjectNode> recs = new ArrayList<>();
        recs.add(summary("u", "Full", "b", 1.0));
        recs.add(summary("e", "End", "b", 0.4));
        recs.add(summary("s", "Start", "b", 0.4));
        int[] relevant = withRelevant ? new int[] {0, 1, 2, 3} : null;
        for (int i = 0; i < 2; i++) {
            recs.add(sample("u", "b", i, null, relevant));
            recs.add(sample("e", "b", i, range(12, 16), relevant));
            // Start keeps the first row, then the first half of it.
            recs.add(sample("s", "b", i, i == 0 ? range(0, 4) : range(0, 2), relevant));
        }
        StringBuilder sb = new StringBuilder();
        for (ObjectNode r : recs) {
            sb.append(JsonLines.MAPPER.writeValueAsString(r)).append('\n');
        }
        Files.writeString(run.resolve("results.jsonl"), sb.toString());
        return run;
    }

    @Test
    void profilesAverageTheKeptRatesOfTheLastStageOverSamples() throws Exception {
        Path dir = run(false);
        var records = ResultsLog.read(dir);
        Map<String, List<PositionalBias.Profile>> p = PositionalBias.profiles(
                records, Map.of("u", "Full", "e", "End", "s", "Start"), List.of("Full", "End", "Start"));
        List<PositionalBias.Profile> b = p.get("b");
        assertEquals(
                List.of("Full", "End", "Start"),
                b.stream().map(PositionalBias.Profile::method).toList());
        PositionalBias.Profile full = b.get(0);
        assertEquals(PositionalBias.UNIFORM, full.reference());
        assertEquals(0.0, full.bias(), 1e-15, "all kept");
        assertEquals(-1, full.stageLayer());
        assertArrayEquals(new double[] {1, 1, 1, 1}, full.byRow(), 1e-15);
        PositionalBias.Profile end = b.get(1);
        assertEquals(0.375, end.bias(), 1e-15);
        assertEquals(2, end.stageLayer());
        assertArrayEquals(new double[] {0, 0, 0, 1}, end.byRow(), 1e-15);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0, 1, 1}, end.byBlock(), 1e-15);
        PositionalBias.Profile start = b.get(2);
        // Row 1 fully kept in one sample and half in the other: 75%; bias -0.375 and -(1 - 1/16)/2 ... averaged.
        assertArrayEquals(new double[] {0.75, 0, 0, 0}, start.byRow(), 1e-15);
        assertArrayEquals(new double[] {1.0, 0.5, 0, 0, 0, 0, 0, 0}, start.byBlock(), 1e-15);
        double secondBias = (0.5 / 16 + 1.5 / 16) / 2 - 0.5;
        assertEquals((-0.375 + secondBias) / 2, start.bias(), 1e-15);
        assertEquals(3.0, start.kept(), 1e-15);
    }

    @Test
    void withRelevantPatchesTheBiasIsAgainstThemAndTheUniformShiftIsShownBeside() throws Exception {
        Path dir = run(true);
        var records = ResultsLog.read(dir);
        List<PositionalBias.Profile> b = PositionalBias.profiles(
                        records, Map.of("u", "Full", "e", "End", "s", "Start"), List.of("Full", "End", "Start"))
                .get("b");
        // The answer is the first row: mean position 2 / 16 = 0.125.
        PositionalBias.Profile end = b.get(1);
        assertEquals(PositionalBias.RELEVANT, end.reference());
        assertEquals(0.875 - 0.125, end.bias(), 1e-15);
        assertEquals(0.375, end.shift(), 1e-15);
        assertEquals(0.5 - 0.125, b.get(0).bias(), 1e-15, "keeping everything sits after an answer at the top");
        Table t = PositionalBias.table("b", b);
        assertEquals(
                List.of("method", "after layer", "kept", "bias vs relevant", "shift vs uniform"),
                t.columnNames().subList(0, 5));
        assertEquals("+0.750", TableWriters.cell(t.column("bias vs relevant"), 1));
    }

    @Test
    void everyReportHasThePositionalBiasTableTheRowTableTheFigureAndBothBudgetFigures() throws Exception {
        Path dir = run(false);
        RunReport.Written w = RunReport.write(dir, dir.resolve("report"), true);
        Path report = dir.resolve("report");
        for (String f : List.of(
                "positional-bias-b.csv", "kept-by-row-b.csv", "kept-by-position-b.png", "kept-by-position-b.svg")) {
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        }
        String md = Files.readString(report.resolve("table.md"));
        assertTrue(md.contains("### b: positional bias and kept tokens by position in the image block"), md);
        assertTrue(md.contains("### b: kept tokens by image row"), md);
        assertTrue(md.contains("| End | 2 | 4.00 | +0.375 | 0.0 |"), md);
        assertTrue(w.mainMarkdown().contains("positional bias"), "run prints the bias table");
        Table main = w.tables().get(0);
        assertTrue(main.columnNames().containsAll(List.of(ResultTables.FLOPS_RATIO, ResultTables.TOKENS)));
        int end = main.stringColumn("method").indexOf("End");
        assertEquals(40.0, main.doubleColumn(ResultTables.FLOPS_RATIO).get(end), 1e-9);
        assertEquals(6.4, main.doubleColumn(ResultTables.TOKENS).get(end), 1e-9, "avg retained tokens stand in");
        assertTrue(Files.readString(report.resolve("table.html")).contains("kept-by-position-b.png"));
        assertNull(PositionalBias.rowTable(
                "x",
                List.of(new PositionalBias.Profile(
                        "m", "x", 1, 2, 3, PositionalBias.UNIFORM, 0, 0, new double[8], new double[0]))));
    }
}
