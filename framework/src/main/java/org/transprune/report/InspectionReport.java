package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.Images;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;
import org.transprune.prune.StrategyRun;

/**
 * What {@code transprune inspect} writes for one request: {@code stages.json} ({@link StageDump})
 * and, per stage, {@code stage-<i>-after-layer-<L>.png} ({@link KeptTokenHeatmap}) tinted by the
 * stage's {@code score} diagnostic (or its first one; uniform when the strategy reports none).
 */
public final class InspectionReport {
    private InspectionReport() {}

    /**
     * Writes the report into {@code dir}.
     *
     * @param image the original input image
     * @param preprocessor how the model saw it: padded to square, or centre-cropped
     * @param grid patches per side of the image block
     * @return the files written, JSON first
     */
    public static List<Path> write(
            Path dir, String strategy, StrategyRun run, RgbImage image, ImagePreprocessor preprocessor, int grid)
            throws IOException {
        List<Path> written = new ArrayList<>();
        Path json = dir.resolve("stages.json");
        StageDump.write(json, strategy, run);
        written.add(json);
        BufferedImage seen = Images.toBufferedImage(asSeenByTheModel(image, preprocessor));
        int i = 1;
        for (StrategyRun.StageRecord stage : run.stages()) {
            float[] scores = displayScores(stage);
            Path png = dir.resolve("stage-" + i + "-after-layer-" + stage.afterLayer() + ".png");
            KeptTokenHeatmap.writePng(
                    KeptTokenHeatmap.render(seen, grid, stage.candidatePatches(), scores, stage.keptPatches()), png);
            written.add(png);
            i++;
        }
        return written;
    }

    /**
     * Writes the report of a LLaVA-NeXT (AnyRes) request into {@code dir}: {@code stages.json}, then per
     * stage {@code stage-<i>-after-layer-<L>-base.png} (the base view's tokens) and {@code ...-tiles.png}
     * (the tile tokens), each drawn over the original image where its tokens look; newline tokens
     * appear only in the JSON.
     *
     * @param origins the origin of every token of the original image block
     * @return the files written, JSON first
     */
    public static List<Path> writeAnyRes(
            Path dir, String strategy, StrategyRun run, RgbImage image, TokenOrigins origins) throws IOException {
        List<Path> written = new ArrayList<>();
        Path json = dir.resolve("stages.json");
        StageDump.write(json, strategy, run);
        written.add(json);
        BufferedImage original = Images.toBufferedImage(image);
        int i = 1;
        for (StrategyRun.StageRecord stage : run.stages()) {
            float[] scores = displayScores(stage);
            java.util.Set<Integer> kept = new java.util.HashSet<>();
            for (int p : stage.keptPatches()) {
                kept.add(p);
            }
            for (TokenOrigin.Kind kind : new TokenOrigin.Kind[] {TokenOrigin.Kind.BASE, TokenOrigin.Kind.TILE}) {
                List<TokenOrigin> os = new ArrayList<>();
                List<Float> ss = new ArrayList<>();
                List<Boolean> ks = new ArrayList<>();
                int[] candidates = stage.candidatePatches();
                for (int c = 0; c < candidates.length; c++) {
                    TokenOrigin o = origins.get(candidates[c]);
                    if (o.kind() == kind) {
                        os.add(o);
                        ss.add(scores[c]);
                        ks.add(kept.contains(candidates[c]));
                    }
                }
                float[] sa = new float[ss.size()];
                boolean[] ka = new boolean[ks.size()];
                for (int k = 0; k < sa.length; k++) {
                    sa[k] = ss.get(k);
                    ka[k] = ks.get(k);
                }
                Path png = dir.resolve("stage-" + i + "-after-layer-" + stage.afterLayer() + "-"
                        + (kind == TokenOrigin.Kind.BASE ? "base" : "tiles") + ".png");
                KeptTokenHeatmap.writePng(KeptTokenHeatmap.renderRegions(original, os, sa, ka), png);
                written.add(png);
            }
            i++;
        }
        return written;
    }

    /**
     * Writes the report of a request whose image tokens form one rectangular grid over the whole image (Qwen2.5-VL:
     * a merged 2x2 block of patches per token, the grid following the image's aspect) into {@code dir}:
     * {@code stages.json}, with the grid's {@code rows} and {@code columns} and each token's {@code row} and
     * {@code column}, then per stage {@code stage-<i>-after-layer-<L>.png} drawn over the original image through
     * the tokens' origins.
     *
     * @param origins the origin of every token of the original image block, row-major over the grid
     * @return the files written, JSON first
     */
    public static List<Path> writeGrid(Path dir, String strategy, StrategyRun run, RgbImage image, TokenOrigins origins)
            throws IOException {
        List<Path> written = new ArrayList<>();
        Path json = dir.resolve("stages.json");
        ObjectNode root = StageDump.toJson(strategy, run.schedule(), run.stages());
        int rows = 0;
        int columns = 0;
        for (TokenOrigin o : origins.all()) {
            rows = Math.max(rows, o.row() + 1);
            columns = Math.max(columns, o.column() + 1);
        }
        root.put("rows", rows);
        root.put("columns", columns);
        for (JsonNode stage : root.path("stages")) {
            for (JsonNode token : stage.path("tokens")) {
                TokenOrigin o = origins.get(token.get("patch").asInt());
                ((ObjectNode) token).put("row", o.row());
                ((ObjectNode) token).put("column", o.column());
            }
        }
        Files.createDirectories(dir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
        written.add(json);
        BufferedImage original = Images.toBufferedImage(image);
        int i = 1;
        for (StrategyRun.StageRecord stage : run.stages()) {
            float[] scores = displayScores(stage);
            int[] candidates = stage.candidatePatches();
            boolean[] kept = new boolean[candidates.length];
            for (int c = 0; c < candidates.length; c++) {
                kept[c] = Arrays.binarySearch(stage.keptPatches(), candidates[c]) >= 0;
            }
            Path png = dir.resolve("stage-" + i + "-after-layer-" + stage.afterLayer() + ".png");
            KeptTokenHeatmap.writePng(
                    KeptTokenHeatmap.renderRegions(original, origins.select(candidates), scores, kept), png);
            written.add(png);
            i++;
        }
        return written;
    }

    /** The square the patch grid covers: the padded image, or the centre square CLIP's crop keeps. */
    static RgbImage asSeenByTheModel(RgbImage image, ImagePreprocessor preprocessor) {
        if (preprocessor.padToSquare()) {
            return ImagePreprocessor.expandToSquare(image, preprocessor.padColour());
        }
        int side = Math.min(image.width(), image.height());
        return ImagePreprocessor.centerCrop(image, side, side);
    }

    private static float[] displayScores(StrategyRun.StageRecord stage) {
        Map<String, float[]> scores = stage.scores();
        if (scores.containsKey("score")) {
            return scores.get("score");
        }
        return scores.isEmpty()
                ? new float[stage.candidatePatches().length]
                : scores.values().iterator().next();
    }
}
