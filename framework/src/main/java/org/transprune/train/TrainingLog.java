package org.transprune.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.transprune.synth.QuestionType;

/**
 * The training curve: one CSV row per step (loss, learning rate, running accuracy, timing) and
 * one per held-out evaluation (rows with {@code kind=eval}), plus a PNG plot of loss and accuracy
 * over steps. On resume, rows after the saved step are dropped, so the file describes exactly the
 * steps the state contains.
 */
final class TrainingLog implements AutoCloseable {
    static final String CSV = "train-log.csv";
    static final String PNG = "train-curve.png";
    private static final String HEADER;

    static {
        StringBuilder h = new StringBuilder("kind,step,stage,questions_per_image,images,questions,lr,loss,answer_loss,"
                + "patch_loss,grad_norm,train_acc,step_seconds,data_seconds,elapsed_seconds,eval_acc");
        for (QuestionType t : QuestionType.values()) {
            h.append(",eval_").append(t.category());
        }
        HEADER = h.toString();
    }

    private final Path dir;
    private final BufferedWriter writer;

    private TrainingLog(Path dir, BufferedWriter writer) {
        this.dir = dir;
        this.writer = writer;
    }

    static TrainingLog create(Path dir) throws IOException {
        BufferedWriter w = Files.newBufferedWriter(dir.resolve(CSV), StandardCharsets.UTF_8);
        w.write(HEADER);
        w.newLine();
        w.flush();
        return new TrainingLog(dir, w);
    }

    /** Reopens the log of a run resumed at {@code step}, dropping later rows. */
    static TrainingLog resume(Path dir, long step) throws IOException {
        Path csv = dir.resolve(CSV);
        List<String> kept = new ArrayList<>();
        kept.add(HEADER);
        if (Files.exists(csv)) {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.split(",", 3);
                if (f.length >= 2 && Long.parseLong(f[1]) <= step) {
                    kept.add(line);
                }
            }
        }
        Path tmp = dir.resolve(CSV + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new TrainingLog(dir, Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    void step(long step, MicroTrainer.StepResult r, double runningAccuracy, double seconds, double elapsed)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "step,%d,%s,%d,%d,%d,%.6g,%.5f,%s,%s,%.4f,%s,%.3f,%.3f,%.1f,",
                step,
                r.stage() == 0 ? "A" : "B",
                r.questionsPerImage(),
                r.images(),
                r.questions(),
                r.lr(),
                r.loss(),
                num(r.answerLoss()),
                num(r.patchLoss()),
                r.gradNorm(),
                num(runningAccuracy),
                seconds,
                r.dataSeconds(),
                elapsed));
        b.append(",".repeat(QuestionType.values().length));
        writer.write(b.toString());
        writer.newLine();
        writer.flush();
    }

    void evaluation(long step, EngineEvaluator.Result r, double elapsed) throws IOException {
        StringBuilder b = new StringBuilder(String.format(
                Locale.ROOT, "eval,%d,,,,%d,,,,,,,,,%.1f,%.4f", step, r.questions(), elapsed, r.overall()));
        for (QuestionType t : QuestionType.values()) {
            Double a = r.perType().get(t);
            b.append(',').append(a == null ? "" : String.format(Locale.ROOT, "%.4f", a));
        }
        writer.write(b.toString());
        writer.newLine();
        writer.flush();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.5f", v);
    }

    /** Redraws the PNG from the CSV: losses (left axis) and accuracies (right axis) over steps. */
    void plot() throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> lines = Files.readAllLines(dir.resolve(CSV), StandardCharsets.UTF_8);
        List<Double> lossX = new ArrayList<>();
        List<Double> answerLoss = new ArrayList<>();
        List<Double> patchX = new ArrayList<>();
        List<Double> patchLoss = new ArrayList<>();
        List<Double> accX = new ArrayList<>();
        List<Double> trainAcc = new ArrayList<>();
        List<Double> evalX = new ArrayList<>();
        List<Double> evalAcc = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            double step = Double.parseDouble(f[1]);
            if (f[0].equals("eval")) {
                evalX.add(step);
                evalAcc.add(Double.parseDouble(f[15]));
                continue;
            }
            if (!f[8].isEmpty()) {
                lossX.add(step);
                answerLoss.add(Double.parseDouble(f[8]));
            }
            if (!f[9].isEmpty()) {
                patchX.add(step);
                patchLoss.add(Double.parseDouble(f[9]));
            }
            if (!f[11].isEmpty()) {
                accX.add(step);
                trainAcc.add(Double.parseDouble(f[11]));
            }
        }
        XYChart chart = new XYChartBuilder()
                .width(1000)
                .height(560)
                .title("micro LLaVA training")
                .xAxisTitle("step")
                .yAxisTitle("loss")
                .build();
        chart.setYAxisGroupTitle(1, "accuracy");
        chart.getStyler().setYAxisMin(1, 0.0);
        chart.getStyler().setYAxisMax(1, 1.0);
        chart.getStyler().setMarkerSize(4);
        add(chart, "answer loss", smooth(lossX), smooth(answerLoss), 0, false);
        add(chart, "patch loss", smooth(patchX), smooth(patchLoss), 0, false);
        add(chart, "running train accuracy", accX, trainAcc, 1, false);
        add(chart, "held-out accuracy (engine)", evalX, evalAcc, 1, true);
        if (chart.getSeriesMap().isEmpty()) {
            return;
        }
        Path tmp = dir.resolve("train-curve.tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, dir.resolve(PNG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void add(XYChart chart, String name, List<Double> x, List<Double> y, int axis, boolean markers) {
        if (x.isEmpty()) {
            return;
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setYAxisGroup(axis);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    /** Averages of 20 consecutive points, so thousands of noisy steps draw as a readable line. */
    private static List<Double> smooth(List<Double> v) {
        List<Double> out = new ArrayList<>();
        int k = 20;
        for (int i = 0; i + k <= v.size(); i += k) {
            double sum = 0;
            for (int j = i; j < i + k; j++) {
                sum += v.get(j);
            }
            out.add(sum / k);
        }
        if (out.isEmpty() && !v.isEmpty()) {
            out.addAll(v);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
