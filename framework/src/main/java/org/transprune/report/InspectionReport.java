package org.transprune.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.Images;
import org.transprune.image.RgbImage;
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
