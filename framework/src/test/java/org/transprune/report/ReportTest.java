package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.JsonLines;
import org.transprune.cli.Main;
import tech.tablesaw.api.Table;

class ReportTest {
    @TempDir
    Path tmp;

    private static ObjectNode summary(
            String hash,
            String label,
            Double alpha,
            int seed,
            String bench,
            String metric,
            double value,
            double tflops,
            double prefill) {
        ObjectNode s = JsonLines.MAPPER.createObjectNode();
        s.put("type", "summary");
        s.put("config", hash);
        s.put("benchmark", bench);
        ObjectNode c = s.putObject("configuration");
        c.put("strategy", label.toLowerCase(Locale.ROOT));
        c.put("label", label);
        ObjectNode p = c.putObject("parameters");
        if (alpha != null) {
            p.put("alpha", alpha);
            p.putArray("layers").add(7).add(9).add(12);
        }
        c.put("seed", seed);
        s.put("headline", metric);
        s.putObject("metrics").put(metric, value);
        s.put("samples", 10);
        s.put("skipped", 0);
        s.put("tflops", tflops);
        s.put("flops_ratio", tflops / 3.0);
        s.put("kv_cache_mib", tflops * 10);
        s.put("prefill_ms_mean", prefill);
        return s;
    }

    private static ObjectNode sample(String hash, String bench, int i, boolean correct) {
        ObjectNode s = JsonLines.MAPPER.createObjectNode();
        s.put("type", "sample");
        s.put("config", hash);
        s.put("benchmark", bench);
        s.put("sample", Integer.toString(i));
        s.put("correct", correct);
        return s;
    }

    @Test
    void paperTableAblationsReferenceRowsAndPlots() throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        List<ObjectNode> recs = new ArrayList<>();
        // Full (unpruned) and TP with alpha 0.4 / 0.6; TP alpha 0.4 has two seeds (averaged).
        recs.add(summary("f", "Full", null, 0, "synth", "accuracy", 70, 3.0, 100));
        recs.add(summary("f", "Full", null, 0, "pope", "f1", 80, 3.0, 110));
        recs.add(summary("a", "TP", 0.4, 0, "synth", "accuracy", 63, 1.5, 50));
        recs.add(summary("a", "TP", 0.4, 0, "pope", "f1", 76, 1.5, 60));
        recs.add(summary("a2", "TP", 0.4, 1, "synth", "accuracy", 65, 1.5, 52));
        recs.add(summary("a2", "TP", 0.4, 1, "pope", "f1", 78, 1.5, 62));
        recs.add(summary("b", "TP", 0.6, 0, "synth", "accuracy", 56, 1.5, 51));
        recs.add(summary("b", "TP", 0.6, 0, "pope", "f1", 72, 1.5, 61));
        for (int i = 0; i < 10; i++) {
            recs.add(sample("f", "synth", i, i < 7));
        }
        StringBuilder sb = new StringBuilder();
        for (ObjectNode r : recs) {
            sb.append(JsonLines.MAPPER.writeValueAsString(r)).append('\n');
        }
        Files.writeString(run.resolve("results.jsonl"), sb.toString());

        Table summaries = RunResults.load(run);
        Table main = ResultTables.paperTable(summaries, "t");
        assertEquals(
                List.of("Full", "TP alpha=0.4", "TP alpha=0.6"),
                main.stringColumn("method").asList(),
                "sorted by TFLOPs, unpruned first; TP rows named by the parameter that varies");
        int a04 = main.stringColumn("method").indexOf("TP alpha=0.4");
        assertEquals(64.0, main.doubleColumn("synth").get(a04), 1e-12, "mean over seeds");
        assertEquals(
                (64.0 / 70 + 77.0 / 80) / 2 * 100,
                main.doubleColumn(ResultTables.RELATIVE).get(a04),
                1e-9);
        assertEquals(100.0, main.doubleColumn(ResultTables.RELATIVE).get(0), 1e-9);
        assertEquals(1.5, main.doubleColumn("TFLOPs").get(a04), 1e-12);
        assertEquals((50 + 60 + 52 + 62) / 4.0, main.doubleColumn("prefill ms").get(a04), 1e-9);
        // Standard error of 7/10 correct, in percent, beside the unpruned synth accuracy.
        assertEquals(
                100 * Math.sqrt(0.7 * 0.3 / 10), main.doubleColumn("synth ±").get(0), 1e-9);
        int f = summaries.stringColumn("config").indexOf("f");
        double lo = summaries.doubleColumn("ci_low").get(f);
        double hi = summaries.doubleColumn("ci_high").get(f);
        assertTrue(lo < 70 && hi > 70 && lo >= 30 && hi <= 100, lo + " .. " + hi);

        var ablations = ResultTables.ablations(summaries);
        assertEquals(List.of("TP"), List.copyOf(ablations.keySet()));
        Table ab = ablations.get("TP");
        assertTrue(ab.columnNames().contains("alpha"), ab.columnNames().toString());
        assertEquals(3, ab.rowCount(), "two alphas plus the unpruned reference");

        // A parameter named like a table column (a projector-stage strategy's `tokens` beside the
        // token-budget column) gets its own column without replacing the budget's.
        Table named = summaries.copy();
        named.replaceColumn(
                "param:alpha", named.stringColumn("param:alpha").copy().setName("param:tokens"));
        Table byTokens = ResultTables.ablations(named).get("TP");
        assertTrue(
                byTokens.columnNames().contains("tokens (parameter)"),
                byTokens.columnNames().toString());
        assertTrue(
                byTokens.columnNames().contains(ResultTables.TOKENS),
                byTokens.columnNames().toString());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(out, true));
            code = Main.commandLine().execute("table", run.toString(), "--reference", "paper");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, out.toString());
        Path report = run.resolve("report");
        for (String file : List.of(
                "table.md",
                "table.csv",
                "table.html",
                "ablation-TP.csv",
                "summaries.csv",
                "accuracy-vs-tflops-synth.png",
                "accuracy-vs-tflops-synth.svg",
                "alpha-sweep-pope.png",
                "alpha-sweep-pope.svg")) {
            assertTrue(Files.size(report.resolve(file)) > 0, file);
        }
        String md = Files.readString(report.resolve("table.md"));
        assertTrue(md.contains("| TP alpha=0.4 |"), md);
        assertTrue(md.contains("reported: Vanilla (576 tokens)"), md);
        assertTrue(md.contains("| 85.90 |") || md.contains(" 85.90 "), "POPE of the paper's vanilla row: " + md);
        String html = Files.readString(report.resolve("table.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<table>") && !html.contains("<script"), html);
        byte[] png = Files.readAllBytes(report.resolve("accuracy-vs-tflops-synth.png"));
        assertEquals((byte) 0x89, png[0]);
        assertTrue(Files.readString(report.resolve("alpha-sweep-pope.svg")).contains("<svg"));
    }
}
