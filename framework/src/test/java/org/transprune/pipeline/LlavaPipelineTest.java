package org.transprune.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.RgbImage;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;

class LlavaPipelineTest {
    @TempDir
    Path tmp;

    private static final LlavaPipeline.Options CPU = new LlavaPipeline.Options("cpu", WeightPolicy.FP32, "vicuna_v1", null);

    /** Keeps the first {@code keep} image tokens after layer 2. */
    static PruningStrategy keepFirst(int keep) {
        return new PruningStrategy() {
            @Override
            public String name() {
                return "keep-first";
            }

            @Override
            public PruneSchedule schedule(int imageTokens, int numLayers) {
                return new PruneSchedule(imageTokens, List.of(new PruneSchedule.Stage(2, keep)));
            }

            @Override
            public LayerSignals signals(int layer, PruneSchedule schedule) {
                return LayerSignals.NONE;
            }

            @Override
            public RequestScorer newRequest(long seed) {
                return (afterLayer, k, layout) -> java.util.stream.IntStream.range(0, k).toArray();
            }
        };
    }

    @Test
    void answersWithAndWithoutPruningAndRecordsWhatEachLayerProcessed() {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        RgbImage image = RgbImage.filled(336, 200, 200, 30, 30);
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            LlavaPipeline.Answer plain = p.answer("is there a red circle ?", image, null, 0, 5);
            LlavaPipeline.Answer pruned = p.answer("is there a red circle ?", image, keepFirst(4), 0, 5);
            int len = plain.prompt().length();
            assertEquals(16, plain.prompt().imageLength());
            assertArrayEquals(new int[] {len, len, len, len}, plain.generation().prefill().tokensPerLayer());
            assertArrayEquals(new int[] {len, len, len - 12, len - 12}, pruned.generation().prefill().tokensPerLayer());
            assertEquals(1, pruned.run().stages().size());
            assertArrayEquals(new int[] {0, 1, 2, 3}, pruned.run().stages().get(0).keptPatches());
            assertTrue(plain.generation().tokens().length <= 5);
            // the same request twice gives the same answer (greedy, no hidden state between requests)
            assertEquals(plain.text(), p.answer("is there a red circle ?", image, null, 0, 5).text());
        }
    }

    @Test
    void aCheckpointWithoutTokenizerIsNamed() throws Exception {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Files.delete(dir.resolve("tokenizer.json"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlavaPipeline.open(dir, CPU));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void bf16CheckpointGivesTheSameAnswerUnderBothWeightPolicies() {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("bf16"), 4, org.transprune.checkpoint.TensorType.BF16, 5);
        RgbImage image = RgbImage.filled(300, 336, 10, 200, 10);
        float[] fp32Logits;
        float[] halfLogits;
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            fp32Logits = p.answer("what color is the square ?", image, keepFirst(6), 0, 1).generation().prefill().logits();
        }
        try (LlavaPipeline p = LlavaPipeline.open(dir, new LlavaPipeline.Options("cpu", WeightPolicy.HALF, "vicuna_v1", null))) {
            halfLogits = p.answer("what color is the square ?", image, keepFirst(6), 0, 1).generation().prefill().logits();
            assertEquals(0, p.model().liveWidenedLayers());
            assertTrue(p.model().peakWidenedLayers() >= 1 && p.model().peakWidenedLayers() <= 2,
                    "peak widened layers " + p.model().peakWidenedLayers());
        }
        assertArrayEquals(fp32Logits, halfLogits, 0f, "widening is exact, so the policies must agree bit for bit");
    }
}
