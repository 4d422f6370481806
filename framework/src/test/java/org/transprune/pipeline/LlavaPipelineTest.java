package org.transprune.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.TensorType;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.RgbImage;
import org.transprune.model.DeviceChoice;
import org.transprune.model.ForwardHooks;
import org.transprune.model.Generation;
import org.transprune.model.InferenceSession;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.StrategyRun;

class LlavaPipelineTest {
    @TempDir
    Path tmp;

    private static final LlavaPipeline.Options CPU =
            new LlavaPipeline.Options("cpu", WeightPolicy.FP32, "vicuna_v1", null);

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
                return (afterLayer, k, layout) -> IntStream.range(0, k).toArray();
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
            assertArrayEquals(
                    new int[] {len, len, len, len}, plain.generation().prefill().tokensPerLayer());
            assertArrayEquals(
                    new int[] {len, len, len - 12, len - 12},
                    pruned.generation().prefill().tokensPerLayer());
            assertEquals(1, pruned.run().stages().size());
            assertArrayEquals(
                    new int[] {0, 1, 2, 3}, pruned.run().stages().get(0).keptPatches());
            assertTrue(plain.generation().tokens().length <= 5);
            // the same request twice gives the same answer (greedy, no hidden state between requests)
            assertEquals(
                    plain.text(),
                    p.answer("is there a red circle ?", image, null, 0, 5).text());
        }
    }

    @Test
    void aQuestionWithoutAnImageIsAnsweredUnprunedUnderAnyStrategy() {
        // ScienceQA has text-only questions: the strategy has nothing to prune, as in the authors' code
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            LlavaPipeline.Answer plain = p.answer("is there a red circle ?", null, null, 0, 5);
            LlavaPipeline.Answer withStrategy = p.answer("is there a red circle ?", null, keepFirst(4), 0, 5);
            assertEquals(0, withStrategy.prompt().imageLength());
            assertEquals(null, withStrategy.run());
            assertEquals(plain.text(), withStrategy.text());
            assertArrayEquals(
                    plain.generation().prefill().tokensPerLayer(),
                    withStrategy.generation().prefill().tokensPerLayer());
        }
    }

    @Test
    void cachedImageEmbeddingsGiveIdenticalLogitsAndTheCacheIsBounded() {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        RgbImage red = RgbImage.filled(336, 200, 200, 30, 30);
        RgbImage blue = RgbImage.filled(336, 200, 30, 30, 200);
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            LlavaPipeline.Answer direct = p.answer("is there a red circle ?", red, keepFirst(4), 0, 3);
            assertTrue(!p.hasCachedImage("red.png"));
            int[] reads = new int[1];
            p.answer(
                    "is there a red circle ?",
                    "red.png",
                    () -> {
                        reads[0]++;
                        return red;
                    },
                    null,
                    0,
                    3);
            assertTrue(p.hasCachedImage("red.png"));
            LlavaPipeline.Answer cached = p.answer(
                    "is there a red circle ?",
                    "red.png",
                    () -> {
                        reads[0]++;
                        return blue; // never read: the key is cached
                    },
                    keepFirst(4),
                    0,
                    3);
            assertEquals(1, reads[0], "a cached image is not read again");
            assertArrayEquals(
                    direct.generation().prefill().logits(),
                    cached.generation().prefill().logits(),
                    0f);
            assertArrayEquals(direct.generation().tokens(), cached.generation().tokens());
            // Bounded: with no room left, a new image is encoded but not kept.
            p.imageCacheLimit(0);
            p.answer("is there a red circle ?", "blue.png", () -> blue, null, 0, 3);
            assertTrue(!p.hasCachedImage("blue.png") && p.hasCachedImage("red.png"));
        }
    }

    @Test
    void aCheckpointWithoutTokenizerIsNamed() throws Exception {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Files.delete(dir.resolve("tokenizer.json"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlavaPipeline.open(dir, CPU));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    /** Prefill logits and the logits of {@code steps} greedy decoding steps, in order. */
    private static List<float[]> logits(LlavaPipeline p, RgbImage image, PruningStrategy strategy, int steps) {
        var prompt = p.encode("what color is the square ?", true, steps + 1);
        List<float[]> out = new ArrayList<>();
        try (InferenceSession session = p.model().newSession()) {
            var pixels = p.preprocessor().preprocess(image);
            var embeddings = p.model().encodeImage(pixels.data(), session.manager());
            ForwardHooks hooks = strategy == null
                    ? ForwardHooks.NONE
                    : StrategyRun.start(strategy, prompt.imageLength(), p.numLayers(), 0)
                            .hooks();
            float[] l = session.prefill(prompt.ids(), prompt.imageStart(), embeddings, null, hooks)
                    .logits();
            out.add(l);
            for (int i = 0; i < steps; i++) {
                l = session.decode(Generation.argmax(l));
                out.add(l);
            }
        }
        return out;
    }

    /**
     * Widening is exact, so half-resident storage (with no layer and with two layers fp32-resident)
     * must give the fp32-resident logits bit for bit, over prefill and decoding, pruned or not; and the
     * store must never hold more than two widened layers, nor allocate more buffers than that.
     */
    @ParameterizedTest
    @EnumSource(
            value = TensorType.class,
            names = {"BF16", "F16"})
    void halfResidentStorageGivesTheFp32LogitsBitForBit(TensorType dtype) {
        int layers = 4;
        int steps = 3;
        Path dir = TinyCheckpointDirs.write(tmp.resolve(dtype.name()), layers, dtype, 5);
        RgbImage image = RgbImage.filled(300, 336, 10, 200, 10);
        for (PruningStrategy strategy : Arrays.asList(null, keepFirst(6))) {
            List<float[]> reference;
            try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
                reference = logits(p, image, strategy, steps);
                assertEquals(layers, p.model().residentLayers());
                assertEquals(0, p.model().widenings(), "fp32-resident never widens on demand");
            }
            for (int resident : new int[] {0, 2}) {
                var options =
                        new LlavaPipeline.Options(DeviceChoice.CPU, WeightPolicy.HALF, "vicuna_v1", null, resident);
                try (LlavaPipeline p = LlavaPipeline.open(dir, options)) {
                    List<float[]> half = logits(p, image, strategy, steps);
                    String what = dtype + ", " + resident + " resident, " + (strategy == null ? "unpruned" : "pruned");
                    for (int i = 0; i < reference.size(); i++) {
                        assertArrayEquals(reference.get(i), half.get(i), 0f, what + ", step " + i);
                    }
                    assertEquals(0, p.model().liveWidenedLayers(), what);
                    assertTrue(
                            p.model().peakWidenedLayers() >= 1 && p.model().peakWidenedLayers() <= 2,
                            what + ": peak widened layers " + p.model().peakWidenedLayers());
                    // each non-resident layer is widened once for the prefill and once per decoding step
                    assertEquals(
                            (long) (layers - resident) * (1 + steps), p.model().widenings(), what);
                    assertTrue(
                            p.model().allocatedWideningBufferSets() <= 2,
                            what + ": buffer sets " + p.model().allocatedWideningBufferSets());
                }
            }
        }
    }
}
