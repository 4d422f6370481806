package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.image.RgbImage;
import org.transprune.model.DeviceChoice;
import org.transprune.model.InferenceSession;
import org.transprune.model.ProjectorSignal;
import org.transprune.model.WeightPolicy;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.pipeline.QwenPipeline;
import org.transprune.pipeline.QwenProjectorStep;
import org.transprune.pipeline.TinyQwenCheckpointDirs;
import org.transprune.prune.ChainedStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;

/**
 * The built-in projector-stage strategies on a tiny Qwen2.5-VL checkpoint: DivPrune and CDPruner run on the merged
 * tokens and let their budget in, a chain with TransPrune prunes what entered, and VisionZip and FasterVLM are
 * refused with their reason. The image (126 x 70 px) resizes to 112 x 56 px: 4 x 2 = 8 merged tokens.
 */
class QwenProjectorStrategiesTest {
    private static final String QUESTION = "what color is the circle ?";
    private static final int TOKENS = 8;

    @TempDir
    static Path tmp;

    private static QwenPipeline pipeline;

    @BeforeAll
    static void open() {
        Path dir = TinyQwenCheckpointDirs.write(tmp.resolve("qwen"));
        pipeline = QwenPipeline.open(
                dir,
                new QwenPipeline.Options(DeviceChoice.CPU, WeightPolicy.FP32, null, null, null)
                        .withMaxPixels(TinyQwenCheckpointDirs.MAX_PIXELS));
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    private static RgbImage image() {
        RgbImage img = RgbImage.filled(70, 126, 200, 30, 30);
        for (int y = 40; y < 80; y++) {
            for (int x = 10; x < 50; x++) {
                img.set(x, y, 2, 240);
            }
        }
        return img;
    }

    private static void assertEnters(LlavaPipeline.Answer a, int entering) {
        assertEquals(TOKENS, a.prompt().imageLength());
        int length = a.prompt().length();
        for (int tokens : a.generation().prefill().tokensPerLayer()) {
            assertEquals(length - TOKENS + entering, tokens);
        }
        assertEquals(List.of(TOKENS, entering), a.run().schedule().stageTokenCounts());
        int[] kept = a.run().stages().get(0).keptPatches();
        assertEquals(entering, kept.length);
        for (int i = 1; i < kept.length; i++) {
            assertTrue(kept[i] > kept[i - 1], "patch order");
        }
    }

    @Test
    void divpruneKeepsTheGreedyMaxMinSubsetOfTheMergedTokens() {
        var a = pipeline.answer(QUESTION, image(), Strategies.create("divprune", Map.of("tokens", 3)), 0, 2);
        assertEnters(a, 3);
        // the same greedy over the merged tokens the unpruned model would see
        float[] tokens;
        int width;
        try (InferenceSession s = pipeline.model().newSession()) {
            QwenProjectorStep.Tower tower = QwenProjectorStep.encode(
                    pipeline.model(),
                    pipeline.processor().preprocess(image()),
                    Set.of(ProjectorSignal.PROJECTED_TOKENS),
                    s.manager());
            tokens = tower.tokens();
            width = tower.width();
        }
        float[] distance = new float[TOKENS * TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            for (int j = 0; j < TOKENS; j++) {
                double dot = 0;
                double ni = 0;
                double nj = 0;
                for (int d = 0; d < width; d++) {
                    dot += (double) tokens[i * width + d] * tokens[j * width + d];
                    ni += (double) tokens[i * width + d] * tokens[i * width + d];
                    nj += (double) tokens[j * width + d] * tokens[j * width + d];
                }
                distance[i * TOKENS + j] = (float) (1 - dot / Math.sqrt(ni * nj));
            }
        }
        int[] expected = DivPruneProvider.DivPrune.pickOrder(distance, TOKENS, 3);
        Arrays.sort(expected);
        assertArrayEquals(expected, a.run().stages().get(0).keptPatches());
        // a budget above the image's tokens lets all of them in
        assertEnters(pipeline.answer(QUESTION, image(), Strategies.create("divprune", Map.of("tokens", 64)), 0, 2), 8);
    }

    @Test
    void cdprunerAnswersWithItsBudgetAndItsRelevanceOverTheMergedTokens() {
        var a = pipeline.answer(QUESTION, image(), Strategies.create("cdpruner", Map.of("tokens", 3)), 0, 2);
        assertEnters(a, 3);
        float[] relevance = a.run().stages().get(0).scores().get("relevance");
        assertEquals(TOKENS, relevance.length);
        // the authors' (r - min + 1e-6) / (max - min): the scaled values span exactly 1, the least just above 0
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (float r : relevance) {
            max = Math.max(max, r);
            min = Math.min(min, r);
        }
        assertEquals(1f, max - min, 1e-5f);
        assertTrue(min > 0 && min < 1e-3, "least relevance " + min);
        assertEnters(pipeline.answer(QUESTION, image(), Strategies.create("cdpruner", Map.of("tokens", 5)), 0, 2), 5);
    }

    @Test
    void cdprunerThenTransPruneChainsOnQwen() {
        PruningStrategy chain = ChainedStrategy.of(
                Strategies.create("cdpruner", Map.of("tokens", 4)),
                Strategies.create(
                        "transprune", Map.of("layers", List.of(2), "ratios", List.of(0.5), "window", List.of(1, 2))));
        var a = pipeline.answer(QUESTION, image(), chain, 0, 2);
        int length = a.prompt().length();
        // 8 -> 4 before the decoder, int(4 * 0.5) = 2 after layer 2
        assertEquals(List.of(8, 4, 2), a.run().schedule().stageTokenCounts());
        assertArrayEquals(
                new int[] {length - 4, length - 4, length - 6, length - 6},
                a.generation().prefill().tokensPerLayer());
        int[] entered = a.run().stages().get(0).keptPatches();
        int[] kept = a.run().stages().get(1).keptPatches();
        assertEquals(2, kept.length);
        for (int p : kept) {
            assertTrue(Arrays.stream(entered).anyMatch(e -> e == p), "patch " + p + " never entered");
        }
    }

    @Test
    void visionzipAndFastervlmAreRefusedForWantOfACLSToken() {
        for (String name : List.of("visionzip", "fastervlm")) {
            PruningStrategy s = Strategies.create(name, Map.of("tokens", 3));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> pipeline.answer(QUESTION, image(), s, 0, 2));
            assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("no [CLS] token"), e.getMessage());
            PruningStrategy chained = ChainedStrategy.of(s, Strategies.create("transprune", Map.of()));
            e = assertThrows(IllegalArgumentException.class, () -> pipeline.answer(QUESTION, image(), chained, 0, 2));
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }
}
