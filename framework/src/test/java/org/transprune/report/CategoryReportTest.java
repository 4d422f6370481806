package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.JsonLines;
import org.transprune.synth.AnswerKeyEntry;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;
import tech.tablesaw.api.Table;

/**
 * The by-category table and the kept-token figures of a hand-made synthetic run: an unpruned row
 * (Full), TransPrune-like rows over two seeds (TP, averaged) and a cheaper one (Rand).
 */
class CategoryReportTest {
    static final int GRID = 4;

    @TempDir
    Path tmp;

    private static ObjectNode summary(
            String hash,
            String label,
            int seed,
            double tflops,
            double accuracy,
            Map<String, Double> perCategory,
            Map<String, double[]> recall,
            Double agreement) {
        ObjectNode s = JsonLines.MAPPER.createObjectNode();
        s.put("type", "summary");
        s.put("config", hash);
        s.put("benchmark", "synth");
        ObjectNode c = s.putObject("configuration");
        c.put("strategy", label.toLowerCase());
        c.put("label", label);
        c.putObject("parameters");
        c.put("seed", seed);
        s.put("headline", "accuracy");
        ObjectNode m = s.putObject("metrics");
        m.put("accuracy", accuracy);
        perCategory.forEach((k, v) -> m.put("accuracy/" + k, v));
        s.put("samples", 6);
        s.put("skipped", 0);
        s.put("tflops", tflops);
        s.put("flops_ratio", tflops / 3.0);
        s.put("kv_cache_mib", tflops);
        s.put("prefill_ms_mean", 10 * tflops);
        if (agreement != null) {
            s.put("agreement", agreement);
        }
        ObjectNode r = s.putObject("recall");
        recall.forEach((k, v) -> {
            ArrayNode a = r.putArray(k);
            for (double x : v) {
                a.add(x);
            }
        });
        return s;
    }

    private static ObjectNode sample(String hash, AnswerKeyEntry e, boolean correct, int[]... keptPerStage) {
        ObjectNode s = JsonLines.MAPPER.createObjectNode();
        s.put("type", "sample");
        s.put("config", hash);
        s.put("benchmark", "synth");
        s.put("sample", Long.toString(e.questionId()));
        s.put("category", e.question().type().category());
        s.put("answer", correct ? e.question().answer() : "purple");
        s.put("correct", correct);
        s.put("image_tokens", GRID * GRID);
        ArrayNode kept = s.putArray("kept_patches");
        for (int[] stage : keptPerStage) {
            ArrayNode a = kept.addArray();
            for (int p : stage) {
                a.add(p);
            }
        }
        return s;
    }

    @Test
    void categoryTableAveragesSeedsAndFiguresDimWhatWasPruned() throws Exception {
        Path data = tmp.resolve("data");
        SynthDataset.write(data, 7, 3, 2, Split.TEST);
        List<AnswerKeyEntry> key = SynthDataset.readAnswers(data);
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        // The experiment file is gone: the figures find the images beside the recorded question file.
        Files.writeString(
                run.resolve("plan.json"),
                "{\"experiment\": \"" + tmp.resolve("gone.yaml")
                        + "\", \"benchmarks\": [{\"label\": \"synth\", \"name\": \"synth\", \"questions\": \""
                        + data.resolve("questions.jsonl") + "\"}]}\n");

        List<ObjectNode> recs = new ArrayList<>();
        // Summaries in alphabetical metric order, as the scorer writes them; unpruned recall has no stage.
        recs.add(summary(
                "f",
                "Full",
                0,
                3.0,
                90,
                Map.of("color", 80.0, "count", 100.0, "exist", 90.0),
                Map.of("all", new double[0], "color", new double[0]),
                null));
        recs.add(summary(
                "t0",
                "TP",
                0,
                1.5,
                60,
                Map.of("color", 50.0, "count", 40.0, "exist", 70.0),
                Map.of("all", new double[] {0.95, 0.7}, "color", new double[] {0.9, 0.6}),
                0.5));
        recs.add(summary(
                "t1",
                "TP",
                1,
                1.5,
                70,
                Map.of("color", 100.0, "count", 20.0, "exist", 80.0),
                Map.of("all", new double[] {0.9, 0.5}, "color", new double[] {0.8, 0.4}),
                0.7));
        recs.add(summary(
                "r",
                "Rand",
                0,
                1.0,
                30,
                Map.of("color", 0.0, "count", 10.0, "exist", 60.0),
                Map.of("all", new double[] {0.25}, "color", new double[] {0.2}),
                0.1));
        int[] kept = {0, 1, 2, 3, 4, 5};
        for (AnswerKeyEntry e : key) {
            recs.add(sample("f", e, true));
            recs.add(sample(
                    "t0", e, e.questionId() % 2 == 0, IntStream.range(0, 12).toArray(), kept));
            recs.add(sample("t1", e, false, IntStream.range(0, 12).toArray(), new int[] {15}));
            recs.add(sample("r", e, e.questionId() == 0, new int[] {6, 7}));
        }
        StringBuilder sb = new StringBuilder();
        for (ObjectNode r : recs) {
            sb.append(JsonLines.MAPPER.writeValueAsString(r)).append('\n');
        }
        Files.writeString(run.resolve("results.jsonl"), sb.toString());

        RunReport.Written w = RunReport.write(run, run.resolve("report"), true);
        // A plan of an older version (no images recorded): said once, and the default layout is used.
        assertEquals(
                List.of(run.resolve("plan.json") + ": benchmark synth (a plan of an older version): images and"
                        + " annotations taken from the default layout under " + data),
                w.warnings());
        Table t = w.tables().stream()
                .filter(x -> x.name().startsWith("synth: accuracy and selection recall"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(w.markdown()));
        assertEquals(
                List.of(
                        "method",
                        "exist (%)",
                        "color (%)",
                        "count (%)",
                        "accuracy (%)",
                        "± (%)",
                        "rel. (%)",
                        "TFLOPs",
                        "rel. FLOPs (%)",
                        "tokens",
                        "prefill ms",
                        "recall exist (%)",
                        "recall color (%)",
                        "recall count (%)",
                        "recall all (%)",
                        "agreement (%)"),
                t.columnNames(),
                "question-type order, not alphabetical");
        assertEquals(List.of("Full", "TP", "Rand"), t.stringColumn("method").asList(), "TFLOPs descending");
        assertEquals((50.0 + 100.0) / 2, t.doubleColumn("color (%)").get(1), 1e-9, "mean over seeds");
        assertEquals(65.0, t.doubleColumn("accuracy (%)").get(1), 1e-9);
        assertEquals(100 * 65.0 / 90, t.doubleColumn("rel. (%)").get(1), 1e-9);
        assertEquals(100.0, t.doubleColumn("rel. (%)").get(0), 1e-9);
        assertEquals(100 * (0.6 + 0.4) / 2, t.doubleColumn("recall color (%)").get(1), 1e-9, "last stage, in %");
        assertEquals(100 * (0.7 + 0.5) / 2, t.doubleColumn("recall all (%)").get(1), 1e-9);
        assertEquals(20.0, t.doubleColumn("recall color (%)").get(2), 1e-9);
        assertTrue(t.doubleColumn("recall exist (%)").isMissing(1), "no recall recorded for exist");
        assertTrue(t.doubleColumn("recall color (%)").isMissing(0), "the unpruned row prunes nothing");
        assertTrue(t.doubleColumn("recall all (%)").isMissing(0));
        assertEquals(100 * (0.5 + 0.7) / 2, t.doubleColumn("agreement (%)").get(1), 1e-9);
        assertTrue(t.doubleColumn("agreement (%)").isMissing(0));
        assertEquals(1.5, t.doubleColumn("TFLOPs").get(1), 1e-12);
        assertEquals(15.0, t.doubleColumn("prefill ms").get(1), 1e-9);
        // Standard error of the records' correctness: Full 6/6 right, TP seed 0 3/6 and seed 1 0/6.
        assertEquals(0.0, t.doubleColumn("± (%)").get(0), 1e-9);
        assertEquals(
                (100 * Math.sqrt(0.25 / 6) + 0) / 2, t.doubleColumn("± (%)").get(1), 1e-9);

        Path report = run.resolve("report");
        Table csv =
                Table.read().csv(report.resolve("table-synth-by-category.csv").toFile());
        assertEquals(3, csv.rowCount());
        String md = Files.readString(report.resolve("table.md"));
        assertTrue(md.contains("### synth: accuracy and selection recall by question type"), md);
        assertTrue(md.contains("| TP | 75.0 | 75.0 | 30.0 | 65.0 |"), "one decimal for percentages: " + md);
        assertTrue(md.indexOf("### Results: run") < md.indexOf("### synth: accuracy"), "appended after the main table");
        assertTrue(w.mainMarkdown().contains("### synth: accuracy and selection recall"), w.mainMarkdown());
        assertTrue(Files.readString(report.resolve("table.html")).contains("synth: accuracy and selection recall"));

        // Figures: the first sample of each question type, in file order, at most four.
        Map<String, String> categoryOf = new HashMap<>();
        key.forEach(e -> categoryOf.put(
                Long.toString(e.questionId()), e.question().type().category()));
        List<String> expected = KeptTokenFigure.choose(
                key.stream().map(e -> Long.toString(e.questionId())).toList(), categoryOf, 4);
        assertEquals(
                Math.min(4, new HashSet<>(categoryOf.values()).size()),
                expected.stream().map(categoryOf::get).distinct().count(),
                "one per question type first");
        assertEquals("0", expected.get(0));
        assertEquals(Math.min(4, key.size()), expected.size());
        for (String k : expected) {
            assertTrue(Files.isRegularFile(report.resolve("heatmaps/synth-" + k + ".png")), k);
        }
        assertTrue(Files.readString(report.resolve("table.html")).contains("heatmaps/synth-0.png"));
        BufferedImage fig = ImageIO.read(report.resolve("heatmaps/synth-0.png").toFile());
        assertEquals(3 * KeptTokenFigure.PANEL, fig.getWidth(), "a panel per method");
        assertEquals(KeptTokenFigure.HEADER + KeptTokenFigure.PANEL + KeptTokenFigure.CAPTION, fig.getHeight());
        // TP (panel 1, seed 0) kept patches 0..5 at the last stage: patch 5 as in the plain Full panel, 10 dimmed.
        int cell = KeptTokenFigure.PANEL / GRID;
        assertEquals(brightness(fig, 0, 5, cell), brightness(fig, 1, 5, cell), 1e-9, "kept: untouched");
        assertTrue(brightness(fig, 1, 10, cell) < brightness(fig, 0, 10, cell) - 40, "not kept: dimmed");
        assertEquals(brightness(fig, 0, 7, cell), brightness(fig, 2, 7, cell), 1e-9, "Rand kept 6 and 7");
        assertTrue(brightness(fig, 2, 5, cell) < brightness(fig, 0, 5, cell) - 40, "and not 5");
        // Tables only: no figures.
        RunReport.Written tablesOnly = RunReport.write(run, tmp.resolve("tables-only"), false);
        assertFalse(Files.exists(tmp.resolve("tables-only/heatmaps")));
        assertTrue(tablesOnly.files().contains(tmp.resolve("tables-only/table-synth-by-category.csv")));
    }

    @Test
    void figuresShowOneSampleOfEachQuestionTypeFirstInFileOrder() {
        List<String> keys = List.of("a", "b", "c", "d", "e");
        Map<String, String> cat = Map.of("a", "exist", "b", "exist", "c", "color", "d", "count", "e", "exist");
        assertEquals(List.of("a", "c"), KeptTokenFigure.choose(keys, cat, 2));
        assertEquals(List.of("a", "c", "d"), KeptTokenFigure.choose(keys, cat, 3));
        assertEquals(List.of("a", "b", "c", "d"), KeptTokenFigure.choose(keys, cat, 4), "then the next in file order");
        assertEquals(keys, KeptTokenFigure.choose(keys, cat, 9));
    }

    /** Mean brightness of a few pixels around the centre of {@code patch} in panel {@code panel}. */
    private static double brightness(BufferedImage fig, int panel, int patch, int cell) {
        int cx = panel * KeptTokenFigure.PANEL + (patch % GRID) * cell + cell / 2;
        int cy = KeptTokenFigure.HEADER + (patch / GRID) * cell + cell / 2;
        double sum = 0;
        for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
                Color c = new Color(fig.getRGB(cx + dx, cy + dy));
                sum += (c.getRed() + c.getGreen() + c.getBlue()) / 3.0;
            }
        }
        return sum / 25;
    }
}
