package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.RgbImage;
import org.transprune.model.TokenLayout;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Selection;
import org.transprune.prune.StrategyRun;

class InspectionReportTest {

    /** Keeps the image tokens with the highest current index; reports them as "score". */
    private static final PruningStrategy LAST_TOKENS = new PruningStrategy() {
        @Override
        public String name() {
            return "last";
        }

        @Override
        public PruneSchedule schedule(int imageTokens, int numLayers) {
            return PruneSchedule.ofOriginalRatios(imageTokens, List.of(1, 2), List.of(0.5, 0.25));
        }

        @Override
        public LayerSignals signals(int layer, PruneSchedule schedule) {
            return LayerSignals.NONE;
        }

        @Override
        public RequestScorer newRequest(long seed) {
            float[][] last = {null};
            return new RequestScorer() {
                @Override
                public int[] select(int afterLayer, int keep, TokenLayout layout) {
                    float[] s = new float[layout.imageLength()];
                    for (int i = 0; i < s.length; i++) {
                        s[i] = i;
                    }
                    last[0] = s;
                    return Selection.topK(s, keep);
                }

                @Override
                public Map<String, float[]> lastScores() {
                    return Map.of("score", last[0]);
                }
            };
        }
    };

    @Test
    void writesTheJsonAndOneHeatmapPerStageOverThePaddedImage(@TempDir Path dir) throws Exception {
        StrategyRun run = StrategyRun.start(LAST_TOKENS, 16, 4, 0);
        TokenLayout layout = TokenLayout.initial(18, 1, 16);
        layout = layout.keep(run.keep(1, layout));
        run.keep(2, layout);
        // A wide white image: padding to square adds black bands above and below.
        RgbImage wide = RgbImage.filled(80, 40, 255, 255, 255);
        ImagePreprocessor pre = ImagePreprocessor.clip(56).withPadToSquare(true);
        List<Path> files = InspectionReport.write(dir, "last", run, wide, pre, 4);

        assertEquals(
                List.of(
                        dir.resolve("stages.json"),
                        dir.resolve("stage-1-after-layer-1.png"),
                        dir.resolve("stage-2-after-layer-2.png")),
                files);
        for (Path f : files) {
            assertTrue(Files.size(f) > 0, f.toString());
        }
        BufferedImage stage2 =
                ImageIO.read(dir.resolve("stage-2-after-layer-2.png").toFile());
        assertEquals(stage2.getWidth(), stage2.getHeight(), "square, as the model saw it");
        int cell = stage2.getWidth() / 4;
        // Patch 4 (row 1, over the white image) went at stage 1: greyed. Patch 15 kept at stage 2
        // with the top score: red.
        Color gone = new Color(stage2.getRGB(cell / 2, cell + cell / 2));
        Color top = new Color(stage2.getRGB(3 * cell + cell / 2, 3 * cell + cell / 2));
        assertEquals(gone.getRed(), gone.getBlue(), 2);
        assertTrue(top.getRed() > top.getBlue() + 50, top.toString());
    }
}
