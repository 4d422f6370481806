package org.transprune.report;

import static tech.tablesaw.aggregate.AggregateFunctions.mean;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * Charts of a run with XChart, each saved as PNG and SVG: accuracy against TFLOPs (a curve per
 * strategy label), accuracy against the first pruning layer and accuracy against alpha (for the
 * labels whose {@code layers} or {@code alpha} vary), one chart per benchmark.
 */
public final class ResultPlots {
    private ResultPlots() {}

    /** Draws every chart that the run's data supports into {@code dir}; returns the PNG file names. */
    public static List<String> draw(Table summaries, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<String> files = new ArrayList<>();
        for (String bench : ResultTables.benchmarks(summaries)) {
            Table b = summaries.where(summaries.stringColumn("benchmark").isEqualTo(bench));
            String metric = b.stringColumn("metric").get(0);
            files.add(save(
                    curve(b, bench + ": " + metric + " vs TFLOPs", "TFLOPs", metric, r -> r.getDouble("tflops"), null),
                    dir,
                    "accuracy-vs-tflops-" + bench));
            if (b.columnNames().contains("param:layers")) {
                XYChart c = curve(
                        b,
                        bench + ": " + metric + " vs first pruning layer",
                        "first pruning layer",
                        metric,
                        r -> firstNumber(r.getString("param:layers")),
                        "param:layers");
                if (c != null) {
                    files.add(save(c, dir, "accuracy-vs-layer-" + bench));
                }
            }
            if (b.columnNames().contains("param:alpha")) {
                XYChart c = curve(
                        b,
                        bench + ": " + metric + " vs alpha",
                        "alpha",
                        metric,
                        r -> firstNumber(r.getString("param:alpha")),
                        "param:alpha");
                if (c != null) {
                    files.add(save(c, dir, "alpha-sweep-" + bench));
                }
            }
        }
        return files;
    }

    /**
     * A chart with a series per label: x from {@code x}, y the value averaged over seeds. With
     * {@code varying} given, only labels where that parameter takes several values are drawn, and
     * null is returned when there is none.
     */
    static XYChart curve(Table b, String title, String xTitle, String yTitle, ToDoubleFunction<Row> x, String varying) {
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(500)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        int series = 0;
        for (String label : new LinkedHashSet<>(b.stringColumn("label").asList())) {
            Table mine = b.where(b.stringColumn("label").isEqualTo(label));
            if (varying != null && mine.stringColumn(varying).countUnique() < 2) {
                continue;
            }
            Table byMethod = mine.summarize("value", "tflops", mean).by("method");
            List<double[]> points = new ArrayList<>();
            for (Row r : byMethod) {
                Row first = mine.where(mine.stringColumn("method").isEqualTo(r.getString("method")))
                        .row(0);
                double px = x.applyAsDouble(varying == null ? rowWithTflops(first, r) : first);
                double py = r.getDouble("Mean [value]");
                if (!Double.isNaN(px) && !Double.isNaN(py)) {
                    points.add(new double[] {px, py});
                }
            }
            if (points.isEmpty()) {
                continue;
            }
            points.sort(Comparator.comparingDouble(p -> p[0]));
            chart.addSeries(
                    label,
                    points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray());
            series++;
        }
        return series == 0 && varying != null ? null : chart;
    }

    private static Row rowWithTflops(Row first, Row aggregated) {
        return first; // tflops is a property of the configuration: equal across seeds
    }

    private static double firstNumber(String text) {
        String t = text.replace("[", "").replace("]", "").trim();
        if (t.isEmpty()) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(t.split(",")[0].trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String save(XYChart chart, Path dir, String name) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(
                chart, dir.resolve(name + ".svg").toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        return name + ".png";
    }
}
