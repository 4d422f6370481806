package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.bench.GroundTruthRegions;
import org.transprune.bench.Sample;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.QwenImageProcessor;
import org.transprune.image.TokenOrigins;
import org.transprune.records.AnyResLayout;
import org.transprune.records.Records;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;
import org.transprune.run.LoadedBenchmark;
import tech.tablesaw.api.Table;

/**
 * What each method kept of one sample's image, side by side: a panel per method (in the order of
 * the tables), each the image with the patches kept after the last pruning stage left bright and
 * the others dimmed ({@link KeptTokenHeatmap#renderKept}), under the method's name and its answer
 * (marked right or wrong); a configuration that prunes nothing shows the plain image. A caption
 * line under the panels gives the question, the expected answer and the sample. A LLaVA-NeXT
 * record's panel places its kept tokens through the image's AnyRes layout: the tile tokens on the
 * image, the base view's in an inset ({@link KeptTokenHeatmap#renderKeptRegions}). A rectangular grid (Qwen2.5-VL's
 * follows the image) is drawn over the image at its own aspect, centred in the panel ({@link #tokenGrid}).
 *
 * <p>{@link #write} draws such a figure for a few samples of a benchmark whose records carry
 * {@code kept_patches} (every benchmark since the positional-bias report; before, only benchmarks with
 * {@link GroundTruthRegions}), to {@code heatmaps/BENCHMARK-SAMPLE.png}.
 */
public final class KeptTokenFigure {
    /** Side of a panel in pixels (the synthetic benchmark's image size). */
    public static final int PANEL = 336;
    /** Folder of the figures inside the report directory. */
    public static final String FOLDER = "heatmaps";

    static final int HEADER = 46;
    static final int CAPTION = 28;
    static final Color RIGHT = new Color(0, 120, 40);
    static final Color WRONG = new Color(190, 20, 20);

    /**
     * One method's panel.
     *
     * @param method the row name of the tables
     * @param answer what it answered
     * @param correct whether that was right, or null when not judged
     * @param rows token rows of the model's image block
     * @param columns token columns of the model's image block (as many as rows for LLaVA-1.5's square grid;
     *     Qwen2.5-VL's grid follows the image)
     * @param keptPatches patch numbers kept after the last stage, or null when nothing was pruned
     * @param origins for a LLaVA-NeXT record, where each of its image tokens came from (kept tokens are
     *     drawn by region, {@link KeptTokenHeatmap#renderKeptRegions}); null for a single grid
     */
    public record Panel(
            String method,
            String answer,
            Boolean correct,
            int rows,
            int columns,
            int[] keptPatches,
            TokenOrigins origins) {

        /** A panel over a square {@code grid x grid} grid. */
        public Panel(String method, String answer, Boolean correct, int grid, int[] keptPatches, TokenOrigins origins) {
            this(method, answer, correct, grid, grid, keptPatches, origins);
        }
    }

    private KeptTokenFigure() {}

    /**
     * The figure: {@code panels.size() * PANEL} pixels wide, the method name and answer above
     * each panel and {@code caption} below them all.
     */
    public static BufferedImage render(BufferedImage image, List<Panel> panels, String caption) {
        System.setProperty("java.awt.headless", "true");
        int width = Math.max(1, panels.size()) * PANEL;
        BufferedImage out = new BufferedImage(width, HEADER + PANEL + CAPTION, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            Font name = new Font(Font.SANS_SERIF, Font.BOLD, 14);
            Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
            boolean marks = plain.canDisplay('\u2713') && plain.canDisplay('\u2717');
            for (int i = 0; i < panels.size(); i++) {
                Panel p = panels.get(i);
                int x = i * PANEL;
                if (p.origins() != null) {
                    g.drawImage(
                            KeptTokenHeatmap.renderKeptRegions(image, p.origins(), p.keptPatches(), PANEL),
                            x,
                            HEADER,
                            null);
                } else if (p.rows() == p.columns()) {
                    g.drawImage(KeptTokenHeatmap.renderKept(image, p.rows(), p.keptPatches(), PANEL), x, HEADER, null);
                } else {
                    // a rectangular grid follows the image: drawn at the image's aspect, centred in the panel
                    int[] wh = fitted(image.getWidth(), image.getHeight());
                    g.drawImage(
                            KeptTokenHeatmap.renderKept(image, p.rows(), p.columns(), p.keptPatches(), wh[0], wh[1]),
                            x + (PANEL - wh[0]) / 2,
                            HEADER + (PANEL - wh[1]) / 2,
                            null);
                }
                g.setFont(name);
                g.setColor(Color.BLACK);
                g.drawString(fit(p.method(), g.getFontMetrics(), PANEL - 12), x + 6, 18);
                g.setFont(plain);
                String mark = p.correct() == null
                        ? ""
                        : marks ? (p.correct() ? "\u2713 " : "\u2717 ") : (p.correct() ? "right: " : "wrong: ");
                g.setColor(p.correct() == null ? Color.DARK_GRAY : p.correct() ? RIGHT : WRONG);
                g.drawString(fit(mark + oneLine(p.answer()), g.getFontMetrics(), PANEL - 12), x + 6, 38);
            }
            g.setFont(plain);
            g.setColor(Color.WHITE);
            for (int i = 1; i < panels.size(); i++) {
                g.fillRect(i * PANEL - 1, HEADER, 3, PANEL); // a gap between panels, over their edges
            }
            g.setColor(Color.BLACK);
            g.drawString(
                    fit(caption.replaceAll("[\r\n]+", " "), g.getFontMetrics(), width - 12), 6, HEADER + PANEL + 19);
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Up to {@code n} of {@code keys} (in file order): the first sample of each category first,
     * then the next ones in file order; returned in file order.
     */
    public static List<String> choose(List<String> keys, Map<String, String> categoryOf, int n) {
        Set<String> chosen = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        for (String k : keys) {
            if (chosen.size() < n && seen.add(String.valueOf(categoryOf.get(k)))) {
                chosen.add(k);
            }
        }
        for (String k : keys) {
            if (chosen.size() < n) {
                chosen.add(k);
            }
        }
        return keys.stream().filter(chosen::contains).toList();
    }

    /**
     * Draws the figures of up to {@code n} samples of {@code bench} ({@link #choose}, among the
     * samples every method answered) into {@code dir/heatmaps}. A method's panel shows the records
     * of its configuration with the lowest seed.
     *
     * @param records the run's records
     * @param summaries {@link RunResults#summaries}
     * @param methods the methods, in table order
     * @param warnings where problems (an unreadable image) are reported
     * @return the files written, relative to {@code dir} ({@code heatmaps/BENCHMARK-SAMPLE.png})
     */
    public static List<String> write(
            List<RunRecord> records,
            Table summaries,
            List<String> methods,
            LoadedBenchmark bench,
            Map<String, JsonNode> plannedModels,
            int n,
            Path dir,
            List<String> warnings)
            throws IOException {
        String label = bench.label();
        Table mine = summaries.where(summaries.stringColumn("benchmark").isEqualTo(label));
        Map<String, String> configOf = new LinkedHashMap<>();
        Map<String, Integer> seedOf = new HashMap<>();
        for (int r = 0; r < mine.rowCount(); r++) {
            String method = mine.stringColumn("method").get(r);
            int seed = mine.intColumn("seed").get(r);
            if (!seedOf.containsKey(method) || seed < seedOf.get(method)) {
                seedOf.put(method, seed);
                configOf.put(method, mine.stringColumn("config").get(r));
            }
        }
        List<String> shown = methods.stream().filter(configOf::containsKey).toList();
        Map<String, SampleRecord> byUnit = new HashMap<>();
        for (RunRecord r : records) {
            if (r instanceof SampleRecord s && label.equals(s.benchmark()) && !s.wasSkipped()) {
                byUnit.put(s.unitKey(), s);
            }
        }
        Map<String, Integer> qwenMaxPixels = qwenMaxPixels(records, plannedModels);
        List<String> keys = new ArrayList<>();
        Map<String, String> categoryOf = new HashMap<>();
        Map<String, Sample> samples = new HashMap<>();
        for (Sample s : bench.samples()) {
            boolean answered = !shown.isEmpty()
                    && shown.stream()
                            .allMatch(m -> byUnit.containsKey(Records.unitKey(configOf.get(m), label, s.key())));
            if (answered && s.image() != null) {
                keys.add(s.key());
                categoryOf.put(s.key(), s.category());
                samples.put(s.key(), s);
            }
        }
        List<String> written = new ArrayList<>();
        for (String key : choose(keys, categoryOf, n)) {
            Sample s = samples.get(key);
            BufferedImage image;
            try {
                image = s.image().read();
            } catch (IOException e) {
                warnings.add(
                        label + " sample " + key + ": no kept-token figure, cannot read its image: " + e.getMessage());
                continue;
            }
            List<Panel> panels = new ArrayList<>();
            for (String m : shown) {
                panels.add(panel(
                        m,
                        byUnit.get(Records.unitKey(configOf.get(m), label, key)),
                        image.getWidth(),
                        image.getHeight(),
                        qwenMaxPixels.get(configOf.get(m))));
            }
            GroundTruthRegions.Region q =
                    bench.regions() == null ? null : bench.regions().of(s);
            String question =
                    q != null ? q.question() : s.prompt().lines().findFirst().orElse("");
            String caption = "Q: " + oneLine(question) + (q != null ? "    expected: " + q.answer() : "") + "    ("
                    + label + " sample " + key + (s.category() == null ? "" : ", " + s.category()) + ")";
            String file = FOLDER + "/" + safe(label) + "-" + safe(key) + ".png";
            KeptTokenHeatmap.writePng(render(image, panels, caption), dir.resolve(file));
            written.add(file);
        }
        return written;
    }

    /** The panel of one sample record: kept patches of its last stage on the grid of its image tokens. */
    static Panel panel(String method, SampleRecord record) {
        return panel(method, record, 0, 0, null);
    }

    /**
     * The panel of one sample record: kept patches of its last stage on the grid of its image tokens
     * ({@link #tokenGrid}).
     *
     * @param imageWidth width of the sample's original image, or 0 when unknown (then only a square grid is drawn)
     * @param imageHeight its height
     * @param qwenMaxPixels the {@code max_pixels} of the record's Qwen2.5-VL model, or null when the model is not
     *     known to be a Qwen2.5-VL
     */
    static Panel panel(String method, SampleRecord record, int imageWidth, int imageHeight, Integer qwenMaxPixels) {
        int tokens = record.imageTokens() == null ? 0 : record.imageTokens();
        List<int[]> stages = record.keptPatches();
        int[] kept = null;
        TokenOrigins origins = origins(record.anyresLayout());
        if (origins != null) {
            if (stages != null && !stages.isEmpty()) {
                kept = Arrays.stream(stages.get(stages.size() - 1))
                        .filter(p -> p >= 0 && p < Math.min(tokens, origins.size()))
                        .toArray();
            }
            return new Panel(
                    method, record.answer() == null ? "" : record.answer(), record.correct(), 1, kept, origins);
        }
        int[] grid = tokenGrid(tokens, imageWidth, imageHeight, qwenMaxPixels);
        if (stages != null && !stages.isEmpty() && grid != null) {
            int[] last = stages.get(stages.size() - 1);
            kept = new int[last.length];
            int k = 0;
            for (int p : last) {
                if (p >= 0 && p < tokens) {
                    kept[k++] = p;
                }
            }
            kept = Arrays.copyOf(kept, k);
        }
        int square = Math.max((int) Math.round(Math.sqrt(tokens)), 1);
        return new Panel(
                method,
                record.answer() == null ? "" : record.answer(),
                record.correct(),
                grid == null ? square : grid[0],
                grid == null ? square : grid[1],
                kept,
                null);
    }

    /**
     * The {@code {rows, columns}} of a single-view image block of {@code tokens} tokens, or null when unknown.
     * A Qwen2.5-VL model's grid is its smart resize of the image ({@code qwenMaxPixels}, 28 px per token);
     * otherwise a square count is LLaVA-1.5's square grid, and any other count is read as the rectangular grid
     * whose aspect is closest to the image's (Qwen2.5-VL records whose configuration is not known: smart
     * resize keeps the aspect within a token's rounding). Null for a non-square count without the image's size.
     */
    static int[] tokenGrid(int tokens, int imageWidth, int imageHeight, Integer qwenMaxPixels) {
        if (tokens <= 0) {
            return null;
        }
        if (qwenMaxPixels != null && imageWidth > 0 && imageHeight > 0) {
            try {
                QwenImageProcessor proc = QwenImageProcessor.withMaxPixels(qwenMaxPixels);
                int[] hw = proc.resizedSize(imageHeight, imageWidth);
                int rows = hw[0] / proc.factor();
                int columns = hw[1] / proc.factor();
                if (rows * columns == tokens) {
                    return new int[] {rows, columns};
                }
            } catch (IllegalArgumentException e) {
                // an image smart resize refuses: fall through to the shape of the count
            }
        }
        int square = (int) Math.round(Math.sqrt(tokens));
        if (square * square == tokens) {
            return new int[] {square, square};
        }
        if (imageWidth <= 0 || imageHeight <= 0) {
            return null;
        }
        double aspect = Math.log((double) imageHeight / imageWidth);
        int[] best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int rows = 1; rows <= tokens; rows++) {
            if (tokens % rows == 0) {
                double distance = Math.abs(Math.log((double) rows / (tokens / rows)) - aspect);
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = new int[] {rows, tokens / rows};
                }
            }
        }
        return best;
    }

    /** {@code {width, height}} of an image of this size scaled to fit a {@link #PANEL}-pixel square. */
    static int[] fitted(int width, int height) {
        if (width >= height) {
            return new int[] {PANEL, Math.max(1, (int) Math.round((double) PANEL * height / width))};
        }
        return new int[] {Math.max(1, (int) Math.round((double) PANEL * width / height)), PANEL};
    }

    /**
     * The {@code max_pixels} of each configuration (by hash) whose model is a Qwen2.5-VL (its model section records
     * the value used, the project's default when the file gave none), from the run's plan ({@code plannedModels}:
     * a partial run's configurations are known before their summaries) and from the summary records;
     * configurations of other models are absent.
     */
    static Map<String, Integer> qwenMaxPixels(List<RunRecord> records, Map<String, JsonNode> plannedModels) {
        Map<String, Integer> out = new HashMap<>();
        plannedModels.forEach((config, model) -> putQwenMaxPixels(out, config, model));
        for (RunRecord r : records) {
            if (r instanceof SummaryRecord s
                    && s.configuration() != null
                    && s.configuration().model() != null) {
                putQwenMaxPixels(out, s.config(), s.configuration().model());
            }
        }
        return out;
    }

    /** A configuration's model section names {@code max_pixels} exactly when its model is a Qwen2.5-VL. */
    private static void putQwenMaxPixels(Map<String, Integer> out, String config, JsonNode model) {
        JsonNode max = model.path("max_pixels");
        if (max.isNumber()) {
            out.put(config, max.asInt());
        }
    }

    /** Every image token's origin from a record's AnyRes layout, or null without one. */
    static TokenOrigins origins(AnyResLayout l) {
        if (l == null) {
            return null;
        }
        return new AnyResPlan(
                        l.imageWidth(),
                        l.imageHeight(),
                        AnyResRules.parse(l.rules()),
                        l.tileSize(),
                        l.patchGrid(),
                        l.bestWidth(),
                        l.bestHeight(),
                        l.resizedWidth(),
                        l.resizedHeight(),
                        l.tileRows(),
                        l.tileCols(),
                        l.firstRow(),
                        l.firstColumn(),
                        l.rows(),
                        l.columns(),
                        l.newline())
                .origins();
    }

    static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }

    /** {@code text}, cut with an ellipsis so it fits {@code width} pixels. */
    static String fit(String text, FontMetrics metrics, int width) {
        if (metrics.stringWidth(text) <= width) {
            return text;
        }
        String t = text;
        while (!t.isEmpty() && metrics.stringWidth(t + "\u2026") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "\u2026";
    }
}
