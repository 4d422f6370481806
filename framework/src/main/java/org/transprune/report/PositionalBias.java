package org.transprune.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Where each method keeps image tokens (docs/method.md#positional-bias), from the sample records' kept patches of
 * the last pruning stage: the kept rate by position in the image block (in {@value #BLOCK_BINS} equal parts) and by
 * image row (when the block is one square grid), and the positional bias, the mean normalised position of the
 * kept tokens minus that of a reference: the question's relevant patches on benchmarks that record them, else a
 * uniform spread over the block. Positive means the kept tokens sit later in the block (nearer the text) than the
 * reference. A configuration that prunes nothing keeps every token.
 */
public final class PositionalBias {
    /** Equal parts of the image block in the by-position table and figure. */
    public static final int BLOCK_BINS = 8;
    /** Reference of a benchmark whose records carry relevant patches. */
    public static final String RELEVANT = "relevant patches";
    /** Reference elsewhere. */
    public static final String UNIFORM = "uniform";

    private PositionalBias() {}

    /** The normalised position of patch {@code p} of {@code n}: the centre of its share of the block, (p + 0.5) / n. */
    static double position(int p, int n) {
        return (p + 0.5) / n;
    }

    /** The mean normalised position of {@code patches} of a block of {@code n}; NaN when there are none. */
    static double meanPosition(int[] patches, int n) {
        if (patches.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int p : patches) {
            sum += position(p, n);
        }
        return sum / patches.length;
    }

    /**
     * The positional bias of {@code kept} in a block of {@code n}: its mean normalised position minus that of the
     * {@code relevant} patches, or minus 1/2 (a uniform spread) when {@code relevant} is null. NaN when nothing is
     * kept or {@code relevant} is empty. In (-1, 1); keeping every token gives 0 against the uniform reference,
     * keeping the last k gives (n - k) / (2n).
     */
    public static double bias(int[] kept, int n, int[] relevant) {
        double reference = relevant == null ? 0.5 : meanPosition(relevant, n);
        return meanPosition(kept, n) - reference;
    }

    /**
     * One method on one benchmark.
     *
     * @param method the row name of the tables
     * @param benchmark the benchmark's label
     * @param samples samples counted in the kept rates
     * @param stageLayer the layer after which the last stage pruned (0 for a projector stage), or -1 for none
     * @param kept mean tokens kept after the last stage
     * @param reference {@link #RELEVANT} or {@link #UNIFORM}
     * @param bias mean positional bias against the reference (over the samples with relevant patches, for that
     *     reference)
     * @param shift mean positional bias against a uniform spread, over every sample
     * @param byBlock kept share (0..1) of each of the {@value #BLOCK_BINS} parts of the image block
     * @param byRow kept share of each image row, or empty when the block is not one square grid
     */
    public record Profile(
            String method,
            String benchmark,
            int samples,
            int stageLayer,
            double kept,
            String reference,
            double bias,
            double shift,
            double[] byBlock,
            double[] byRow) {}

    /**
     * The profiles of every method on every benchmark, in {@code methodOrder} within each benchmark (benchmarks in
     * the order met).
     *
     * @param methodOf each configuration's method (row name), by hash; records of other configurations are ignored
     */
    public static Map<String, List<Profile>> profiles(
            List<RunRecord> records, Map<String, String> methodOf, List<String> methodOrder) {
        Map<String, Map<String, Accumulator>> byBench = new LinkedHashMap<>();
        Set<String> withRelevant = new LinkedHashSet<>();
        for (RunRecord r : records) {
            if (r instanceof SampleRecord s && !s.wasSkipped() && s.relevantPatches() != null) {
                withRelevant.add(s.benchmark());
            }
        }
        for (RunRecord r : records) {
            if (!(r instanceof SampleRecord s) || s.wasSkipped() || !methodOf.containsKey(s.config())) {
                continue;
            }
            int n = s.imageTokens() == null ? 0 : s.imageTokens();
            int[] kept = lastKept(s, n);
            if (n <= 0 || kept == null) {
                continue;
            }
            byBench.computeIfAbsent(s.benchmark(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(methodOf.get(s.config()), k -> new Accumulator())
                    .add(s, kept, n, withRelevant.contains(s.benchmark()));
        }
        Map<String, List<Profile>> out = new LinkedHashMap<>();
        byBench.forEach((bench, methods) -> {
            List<Profile> list = new ArrayList<>();
            List<String> order = new ArrayList<>(methodOrder);
            methods.keySet().stream().filter(m -> !order.contains(m)).forEach(order::add);
            for (String m : order) {
                Accumulator a = methods.get(m);
                if (a != null) {
                    list.add(a.profile(m, bench, withRelevant.contains(bench)));
                }
            }
            out.put(bench, list);
        });
        return out;
    }

    /**
     * The patches {@code s} kept after its last stage; every patch when it pruned nothing; null when it pruned but
     * its record does not say what it kept (records of an older version on a benchmark without regions).
     */
    static int[] lastKept(SampleRecord s, int n) {
        List<int[]> stages = s.keptPatches();
        if (stages != null && !stages.isEmpty()) {
            return stages.get(stages.size() - 1);
        }
        if (s.stageLayers() != null && s.stageLayers().length > 0) {
            return null;
        }
        int[] all = new int[Math.max(n, 0)];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    /** Sums over one method's samples on one benchmark. */
    private static final class Accumulator {
        int samples;
        int stageLayer = -1;
        double keptSum;
        double biasSum;
        int biasCount;
        double shiftSum;
        double[] blockSum = new double[BLOCK_BINS];
        double[] rowSum;
        boolean square = true;

        void add(SampleRecord s, int[] kept, int n, boolean relevantReference) {
            samples++;
            if (s.stageLayers() != null && s.stageLayers().length > 0) {
                stageLayer = s.stageLayers()[s.stageLayers().length - 1];
            }
            keptSum += kept.length;
            double shift = bias(kept, n, null);
            if (!Double.isNaN(shift)) {
                shiftSum += shift;
            }
            int grid = (int) Math.round(Math.sqrt(n));
            if (relevantReference) {
                // Relevant patches are indices into the image block, as the kept ones (LLaVA-NeXT: through token
                // origins).
                int[] relevant = s.relevantPatches();
                if (relevant != null && relevant.length > 0) {
                    double b = bias(kept, n, relevant);
                    if (!Double.isNaN(b)) {
                        biasSum += b;
                        biasCount++;
                    }
                }
            }
            int[] perBin = new int[BLOCK_BINS];
            for (int p : kept) {
                perBin[(int) ((long) p * BLOCK_BINS / n)]++;
            }
            for (int b = 0; b < BLOCK_BINS; b++) {
                int size = binSize(b, n);
                blockSum[b] += size == 0 ? 0 : (double) perBin[b] / size;
            }
            if (grid * grid != n || (rowSum != null && rowSum.length != grid)) {
                square = false;
                return;
            }
            if (rowSum == null) {
                rowSum = new double[grid];
            }
            int[] perRow = new int[grid];
            for (int p : kept) {
                perRow[p / grid]++;
            }
            for (int row = 0; row < grid; row++) {
                rowSum[row] += (double) perRow[row] / grid;
            }
        }

        Profile profile(String method, String bench, boolean relevantReference) {
            double[] block = new double[BLOCK_BINS];
            for (int b = 0; b < BLOCK_BINS; b++) {
                block[b] = blockSum[b] / samples;
            }
            double[] rows = new double[0];
            if (square && rowSum != null) {
                rows = new double[rowSum.length];
                for (int r = 0; r < rows.length; r++) {
                    rows[r] = rowSum[r] / samples;
                }
            }
            double shift = shiftSum / samples;
            return new Profile(
                    method,
                    bench,
                    samples,
                    stageLayer,
                    keptSum / samples,
                    relevantReference ? RELEVANT : UNIFORM,
                    relevantReference ? (biasCount == 0 ? Double.NaN : biasSum / biasCount) : shift,
                    shift,
                    block,
                    rows);
        }
    }

    /** Positions p of a block of n with floor(p * bins / n) == b. */
    static int binSize(int b, int n) {
        // p is in bin b iff b*n <= p*bins < (b+1)*n, i.e. ceil(b*n/bins) <= p < ceil((b+1)*n/bins).
        return ceilDiv((long) (b + 1) * n, BLOCK_BINS) - ceilDiv((long) b * n, BLOCK_BINS);
    }

    private static int ceilDiv(long a, int b) {
        return (int) ((a + b - 1) / b);
    }

    /**
     * The bias table of one benchmark: a row per method with the last stage's layer, the mean kept tokens, the bias
     * against the benchmark's reference ({@code bias vs relevant} or {@code bias vs uniform}), the shift against a
     * uniform spread (with relevant patches only) and the kept share of each part of the image block, in percent.
     */
    public static Table table(String benchmark, List<Profile> profiles) {
        boolean relevant = !profiles.isEmpty() && profiles.get(0).reference().equals(RELEVANT);
        Table t = Table.create(
                benchmark + ": positional bias and kept tokens by position in the image block (last stage)",
                StringColumn.create("method"),
                StringColumn.create("after layer"),
                DoubleColumn.create("kept"),
                DoubleColumn.create(relevant ? "bias vs relevant" : "bias vs uniform"));
        if (relevant) {
            t.addColumns(DoubleColumn.create("shift vs uniform"));
        }
        for (int b = 0; b < BLOCK_BINS; b++) {
            t.addColumns(DoubleColumn.create(String.format(Locale.ROOT, "block %d/%d (%%)", b + 1, BLOCK_BINS)));
        }
        for (Profile p : profiles) {
            t.stringColumn("method").append(p.method());
            t.stringColumn("after layer").append(p.stageLayer() < 0 ? "" : String.valueOf(p.stageLayer()));
            t.doubleColumn("kept").append(p.kept());
            t.doubleColumn(3).append(p.bias());
            if (relevant) {
                t.doubleColumn("shift vs uniform").append(p.shift());
            }
            for (int b = 0; b < BLOCK_BINS; b++) {
                t.doubleColumn(String.format(Locale.ROOT, "block %d/%d (%%)", b + 1, BLOCK_BINS))
                        .append(100 * p.byBlock()[b]);
            }
        }
        return t;
    }

    /** The kept share of each image row, in percent, a row per method; null when the block is not a square grid. */
    public static Table rowTable(String benchmark, List<Profile> profiles) {
        int rows = profiles.stream().mapToInt(p -> p.byRow().length).max().orElse(0);
        if (rows == 0 || profiles.stream().anyMatch(p -> p.byRow().length != rows)) {
            return null;
        }
        Table t = Table.create(benchmark + ": kept tokens by image row (last stage)", StringColumn.create("method"));
        for (int r = 0; r < rows; r++) {
            t.addColumns(DoubleColumn.create("row " + (r + 1) + " (%)"));
        }
        for (Profile p : profiles) {
            t.stringColumn("method").append(p.method());
            for (int r = 0; r < rows; r++) {
                t.doubleColumn(r + 1).append(100 * p.byRow()[r]);
            }
        }
        return t;
    }

    /**
     * Draws the kept share by image row (or, when the block is not a square grid, by part of the block), a line per
     * method, to {@code kept-by-position-BENCHMARK.png} and {@code .svg}; returns the PNG's name.
     */
    public static String draw(String benchmark, List<Profile> profiles, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        boolean rows = rowTable(benchmark, profiles) != null;
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(500)
                .title(benchmark + ": kept tokens by " + (rows ? "image row" : "position in the image block")
                        + " (last stage)")
                .xAxisTitle(rows ? "image row (1 = top, first in the block)" : "part of the image block")
                .yAxisTitle("kept (%)")
                .build();
        for (Profile p : profiles) {
            double[] y = rows ? p.byRow() : p.byBlock();
            double[] x = new double[y.length];
            double[] pct = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                x[i] = i + 1;
                pct[i] = 100 * y[i];
            }
            chart.addSeries(String.format(Locale.ROOT, "%s (bias %+.3f)", p.method(), p.bias()), x, pct);
        }
        String name = "kept-by-position-" + KeptTokenFigure.safe(benchmark);
        BitmapEncoder.saveBitmap(chart, dir.resolve(name + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(
                chart, dir.resolve(name + ".svg").toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        return name + ".png";
    }
}
