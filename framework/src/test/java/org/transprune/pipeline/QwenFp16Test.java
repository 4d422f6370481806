package org.transprune.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.image.RgbImage;
import org.transprune.model.ComputeDtype;
import org.transprune.model.DeviceChoice;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;

/**
 * fp16 compute on a tiny Qwen2.5-VL checkpoint written by the project, as {@code model.Fp16ComputeTest} does for
 * LLaVA: the vision tower and the decoder run in fp16 (softmax and norms in fp32), the logits stay within a stated
 * tolerance of fp32, and keep-all pruning equals the unpruned model exactly in fp16 too.
 */
class QwenFp16Test {
    /**
     * Largest |fp16 - fp32| logit allowed, relative to the largest |fp32 logit|: LLaVA's bound
     * ({@code Fp16ComputeTest}); fp16 keeps 11 significant bits and the tower's two blocks, the merger and four
     * decoder layers compound the rounding.
     */
    static final float RELATIVE_TOLERANCE = 1e-2f;

    private static QwenPipeline.Options options(ComputeDtype dtype) {
        return new QwenPipeline.Options(DeviceChoice.CPU, WeightPolicy.FP32, null, dtype, null)
                .withMaxPixels(TinyQwenCheckpointDirs.MAX_PIXELS);
    }

    /** 126 x 70 (h x w) with a blue square: 4 x 2 merged tokens. */
    private static RgbImage image() {
        RgbImage img = RgbImage.filled(70, 126, 200, 30, 30);
        for (int y = 40; y < 80; y++) {
            for (int x = 10; x < 50; x++) {
                img.set(x, y, 2, 240);
            }
        }
        return img;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void fp16LogitsAreWithinToleranceOfFp32AndKeepAllPruningIsExact(@TempDir Path tmp) {
        Path dir = TinyQwenCheckpointDirs.write(tmp.resolve("qwen"));
        String q = "what color is the circle ?";
        float[] a;
        int[] tokens32;
        try (QwenPipeline fp32 = QwenPipeline.open(dir, options(ComputeDtype.FP32))) {
            assertEquals(ComputeDtype.FP32, fp32.model().dtype());
            var answer = fp32.answer(q, image(), null, 0, 3);
            a = answer.generation().prefill().logits();
            tokens32 = answer.generation().tokens();
        }
        try (QwenPipeline fp16 = QwenPipeline.open(dir, options(ComputeDtype.FP16))) {
            assertEquals(ComputeDtype.FP16, fp16.model().dtype());
            assertTrue(
                    fp16.describe().get(1).contains("compute fp16, decoder weights FP16"),
                    fp16.describe().toString());
            var unpruned = fp16.answer(q, image(), null, 0, 3);
            float[] b = unpruned.generation().prefill().logits();
            assertEquals(a.length, b.length);
            float scale = 0;
            float diff = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(scale > 0.1f, "logits too small to compare: " + scale);
            System.out.printf(
                    "tiny Qwen2.5-VL fp16 vs fp32: max |diff| %.3g of max |logit| %.3g (relative %.3g)%n",
                    diff, scale, diff / scale);
            assertTrue(diff / scale < RELATIVE_TOLERANCE, "max |fp16 - fp32| = " + diff + " of max |logit| " + scale);
            assertTrue(diff > 0, "fp16 logits equal fp32 exactly: not computed in fp16");
            assertEquals(argmax(a), argmax(b), "greedy first token");
            assertEquals(tokens32[0], unpruned.generation().tokens()[0]);

            // keep-all pruning after layer 2 (every image token kept) is the unpruned model, bit for bit
            PruningStrategy keepAll =
                    Strategies.create("test-keep", Map.of("layers", List.of(2), "ratios", List.of(1.0)));
            var kept = fp16.answer(q, image(), keepAll, 0, 3);
            assertEquals(1, kept.run().stages().size());
            assertArrayEquals(
                    new int[] {0, 1, 2, 3, 4, 5, 6, 7},
                    kept.run().stages().get(0).keptPatches());
            assertArrayEquals(b, kept.generation().prefill().logits(), 0f);
            assertArrayEquals(unpruned.generation().tokens(), kept.generation().tokens());
        }
    }
}
