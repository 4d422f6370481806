package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.TensorType;
import org.transprune.image.RgbImage;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.prune.ChainedStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyRun;

/**
 * The projector-stage strategies answering through {@link LlavaPipeline} on a tiny LLaVA-1.5 checkpoint
 * (16 image tokens), alone and chained with TransPrune.
 */
class ProjectorPipelineTest {
    @TempDir
    static Path tmp;

    private static LlavaPipeline pipeline;
    private static RgbImage image;

    @BeforeAll
    static void open() {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"), 6, TensorType.F32, 4);
        pipeline = LlavaPipeline.open(
                dir, LlavaPipeline.Options.defaults().withDtype(org.transprune.model.ComputeDtype.FP32));
        BufferedImage img = new BufferedImage(336, 336, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 336; y++) {
            for (int x = 0; x < 336; x++) {
                img.setRGB(x, y, (x * 7 + y * 13) % 256 << 16 | (x * y) % 256 << 8 | (x + y) % 256);
            }
        }
        image = org.transprune.image.Images.toRgb(img);
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void eachProjectorStrategyLetsItsBudgetIntoTheDecoder() {
        int n = pipeline.model().config().imageTokens();
        assertEquals(16, n);
        for (String name : List.of("visionzip", "divprune", "cdpruner", "fastervlm")) {
            PruningStrategy s = Strategies.create(name, Map.of("tokens", 6));
            LlavaPipeline.Answer a = pipeline.answer("what color is the circle ?", "img", () -> image, s, 1, 3);
            assertNotNull(a.text());
            int text = a.prompt().textLength();
            int[] perLayer = a.generation().prefill().tokensPerLayer();
            for (int t : perLayer) {
                assertEquals(text + 6, t, name + ": every layer holds the 6 tokens that entered");
            }
            StrategyRun.StageRecord stage = a.run().stages().get(0);
            assertEquals(0, stage.afterLayer(), name);
            assertEquals(6, stage.tokens(), name);
            assertEquals(16, stage.candidatePatches().length, name);
            assertEquals("after [0]: 16 -> 6", a.run().schedule().describe(), name);
            // The same image again comes from the tower cache and gives the same answer and tokens.
            assertTrue(pipeline.hasCachedImage("img", s), name);
            LlavaPipeline.Answer again = pipeline.answer("what color is the circle ?", "img", () -> null, s, 1, 3);
            assertEquals(a.text(), again.text(), name);
            assertArrayEquals(stage.keptPatches(), again.run().stages().get(0).keptPatches(), name);
        }
    }

    @Test
    void visionZipMergesTheRestIntoContextualTokens() {
        // 6 tokens: round(6 * 10 / 64) = 1 contextual, 5 dominant (CLS + 4 patches); the contextual
        // token covers every one of the other 12 patches.
        PruningStrategy vz = Strategies.create("visionzip", Map.of("tokens", 6));
        StrategyRun.StageRecord stage = pipeline.answer("how many shapes ?", null, () -> image, vz, 1, 2)
                .run()
                .stages()
                .get(0);
        assertEquals(6, stage.tokens());
        assertNotNull(stage.tokenPatches());
        assertEquals(0, stage.tokenPatches()[0].length, "CLS covers no patch");
        assertEquals(12, stage.tokenPatches()[5].length);
        assertArrayEquals(
                IntStream.range(0, 16).toArray(),
                java.util.Arrays.stream(stage.tokenPatches())
                        .flatMapToInt(java.util.Arrays::stream)
                        .sorted()
                        .toArray(),
                "together they cover the image");
        // Kept patches are where the tokens stand: the 4 dominant patches and the contextual token's anchor.
        assertEquals(5, stage.keptPatches().length);
        assertEquals(
                1,
                java.util.Arrays.stream(stage.tokenPatches()[5])
                        .filter(p -> java.util.Arrays.binarySearch(stage.keptPatches(), p) >= 0)
                        .count(),
                "the contextual token stands at one of its patches");
    }

    @Test
    void aChainPrunesInsideTheDecoderWhatTheProjectorStageLetIn() {
        PruningStrategy chain = ChainedStrategy.of(
                Strategies.create("cdpruner", Map.of("tokens", 8)),
                Strategies.create(
                        "transprune",
                        Map.of("layers", List.of(2, 4), "ratios", List.of(0.5, 0.25), "window", List.of(1, 4))));
        LlavaPipeline.Answer a = pipeline.answer("what color is the circle ?", null, () -> image, chain, 1, 2);
        assertEquals("after [0, 2, 4]: 16 -> 8 -> 4 -> 2", a.run().schedule().describe());
        int text = a.prompt().textLength();
        assertArrayEquals(
                new int[] {text + 8, text + 8, text + 4, text + 4, text + 2, text + 2},
                a.generation().prefill().tokensPerLayer());
        List<StrategyRun.StageRecord> stages = a.run().stages();
        assertEquals(3, stages.size());
        for (int i = 1; i < stages.size(); i++) {
            for (int p : stages.get(i).keptPatches()) {
                assertTrue(
                        java.util.Arrays.binarySearch(stages.get(i - 1).keptPatches(), p) >= 0,
                        "stage " + i + " keeps patch " + p + " that the previous stage dropped");
            }
            assertArrayEquals(stages.get(i - 1).keptPatches(), stages.get(i).candidatePatches());
        }
    }
}
