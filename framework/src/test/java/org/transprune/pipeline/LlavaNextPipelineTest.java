package org.transprune.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.TensorType;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.AnyResRules;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.model.ForwardHooks;
import org.transprune.model.InferenceSession;
import org.transprune.model.RequestStart;
import org.transprune.model.StartSignal;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.StrategyRun;
import org.transprune.text.PromptTokens;
import org.transprune.text.PromptTooLongException;

/**
 * LLaVA-NeXT (AnyRes) checkpoints answer through the pipeline: per-image token counts worked out by
 * hand from the reference rules (tiny model: 56 px views, 4 x 4 patches, pinpoints [56, 112],
 * [112, 56], [112, 112]), schedules as ratios of each image's N, exact keep-all pruning, cached
 * decoding after a prune equal to recomputation, and errors that name the file.
 */
class LlavaNextPipelineTest {
    @TempDir
    Path tmp;

    private static final LlavaPipeline.Options CPU =
            new LlavaPipeline.Options("cpu", WeightPolicy.FP32, "vicuna_v1", null);
    private static final String QUESTION = "is there a red circle ?";

    private static RgbImage noise(int w, int h, long seed) {
        byte[] rgb = new byte[3 * w * h];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) r.nextInt(256);
        }
        return new RgbImage(w, h, rgb);
    }

    /** Keeps the first {@code keepPercent}% of this request's image tokens (rounded down, at least 1) after layer 2. */
    static PruningStrategy keepFirstPercent(int keepPercent) {
        return new PruningStrategy() {
            @Override
            public String name() {
                return "keep-first-percent";
            }

            @Override
            public PruneSchedule schedule(int imageTokens, int numLayers) {
                int keep = Math.max(1, imageTokens * keepPercent / 100);
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
    void squareWideTallAndTinyImagesGetTheirOwnTokenCountsAndSchedules() {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        // {width, height, image tokens under hf}: 16 base tokens + rows x (columns + 1), by hand
        int[][] cases = {{56, 56, 36}, {120, 50, 52}, {50, 120, 56}, {5, 7, 28}, {57, 57, 88}};
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            assertTrue(p.isAnyRes());
            assertEquals(AnyResRules.HF, p.anyRes().rules(), "a llava-hf checkpoint reads the hf rules");
            assertTrue(
                    String.join(";", p.describe()).contains("anyres hf"),
                    p.describe().toString());
            for (int[] c : cases) {
                String what = c[0] + "x" + c[1];
                RgbImage image = noise(c[0], c[1], c[2]);
                LlavaPipeline.Answer plain = p.answer(QUESTION, image, null, 0, 4);
                LlavaPipeline.Answer pruned = p.answer(QUESTION, image, keepFirstPercent(50), 0, 4);
                int n = c[2];
                assertEquals(n, p.imageTokens(c[0], c[1]), what);
                assertEquals(n, plain.prompt().imageLength(), what);
                assertEquals(n, plain.origins().size(), what);
                int len = plain.prompt().length();
                assertArrayEquals(
                        new int[] {len, len, len, len},
                        plain.generation().prefill().tokensPerLayer(),
                        what);
                // the schedule is a ratio of this image's N
                assertEquals(n, pruned.run().schedule().imageTokens(), what);
                int keep = n / 2;
                assertArrayEquals(
                        new int[] {len, len, len - n + keep, len - n + keep},
                        pruned.generation().prefill().tokensPerLayer(),
                        what);
                assertEquals(keep, pruned.run().stages().get(0).keptPatches().length, what);
                assertTrue(plain.generation().tokens().length > 0, what);
                // the block is base view (16) then rows of tiles, each ending with its newline
                assertEquals(16, plain.origins().count(TokenOrigin.Kind.BASE), what);
                int rows = plain.origins().count(TokenOrigin.Kind.NEWLINE);
                assertEquals(n - 16, rows * (plain.origins().count(TokenOrigin.Kind.TILE) / rows + 1), what);
                assertTrue(plain.origins().get(n - 1).isNewline(), what);
            }
        }
    }

    @Test
    void theOriginalLayoutReadsTheLlavaRulesAndTheOptionOverridesThem() {
        Path dir = TinyCheckpointDirs.writeNextOriginal(tmp.resolve("orig"), tmp.resolve("clip"), 4, 3);
        RgbImage tiny = noise(5, 7, 1);
        RgbImage wideTiny = noise(7, 5, 1);
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            assertEquals(AnyResRules.LLAVA, p.anyRes().rules());
            // llava reads [56, 112] as 56 wide, 112 high: the tall 2x1 grid wins the tie (by hand: 16 + 6 x 5, 16 + 2 x
            // 5)
            assertEquals(46, p.answer(QUESTION, tiny, null, 0, 2).prompt().imageLength());
            assertEquals(26, p.answer(QUESTION, wideTiny, null, 0, 2).prompt().imageLength());
        }
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU.withAnyRes(AnyResRules.HF))) {
            assertEquals(AnyResRules.HF, p.anyRes().rules());
            assertEquals(28, p.answer(QUESTION, tiny, null, 0, 2).prompt().imageLength());
            assertEquals(44, p.answer(QUESTION, wideTiny, null, 0, 2).prompt().imageLength());
        }
    }

    @Test
    void bothLayoutsOfTheSameWeightsGiveTheSameAnswerUnderTheSameRules() {
        Path hf = TinyCheckpointDirs.writeNext(tmp.resolve("hf"), 4, TensorType.F32, 7);
        Path orig = TinyCheckpointDirs.writeNextOriginal(tmp.resolve("orig"), tmp.resolve("clip"), 4, 7);
        RgbImage image = noise(120, 50, 4);
        float[] a;
        float[] b;
        try (LlavaPipeline p = LlavaPipeline.open(hf, CPU)) {
            a = p.answer(QUESTION, image, null, 0, 1).generation().prefill().logits();
        }
        try (LlavaPipeline p = LlavaPipeline.open(orig, CPU.withAnyRes(AnyResRules.HF))) {
            b = p.answer(QUESTION, image, null, 0, 1).generation().prefill().logits();
        }
        assertArrayEquals(a, b, 0f);
    }

    @Test
    void keepingEveryImageTokenEqualsTheUnprunedModelExactly() {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            for (int[] size : new int[][] {{120, 50}, {50, 120}, {5, 7}}) {
                RgbImage image = noise(size[0], size[1], 9);
                LlavaPipeline.Answer plain = p.answer(QUESTION, image, null, 0, 5);
                LlavaPipeline.Answer all = p.answer(QUESTION, image, keepFirstPercent(100), 0, 5);
                assertEquals(
                        plain.prompt().imageLength(), all.run().stages().get(0).keptPatches().length);
                assertArrayEquals(
                        plain.generation().prefill().logits(),
                        all.generation().prefill().logits(),
                        0f);
                assertArrayEquals(plain.generation().tokens(), all.generation().tokens());
                assertEquals(plain.text(), all.text());
            }
        }
    }

    @Test
    void prunedPrefillThenCachedDecodingEqualsRecomputation() {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        RgbImage image = noise(50, 120, 2);
        int[] generated = {5, 17, 30};
        PruningStrategy strategy = keepFirstPercent(25);
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            int n = p.imageTokens(image.width(), image.height());
            PromptTokens prompt = p.encode(QUESTION, n, 8);
            float[][] cached = new float[generated.length][];
            try (InferenceSession s = p.model().newSession()) {
                NDArray emb = p.encodeImage(image, s.manager());
                ForwardHooks hooks =
                        StrategyRun.start(strategy, n, p.numLayers(), 0).hooks();
                s.prefill(prompt.ids(), prompt.imageStart(), emb, null, hooks);
                int after = prompt.length() - n + n / 4;
                assertArrayEquals(
                        new int[] {prompt.length(), prompt.length(), after, after},
                        s.cache().lengths());
                for (int i = 0; i < generated.length; i++) {
                    cached[i] = s.decode(generated[i]);
                }
            }
            for (int i = 0; i < generated.length; i++) {
                int[] longer = concat(prompt.ids(), Arrays.copyOf(generated, i + 1));
                try (InferenceSession s = p.model().newSession()) {
                    NDArray emb = p.encodeImage(image, s.manager());
                    ForwardHooks hooks =
                            StrategyRun.start(strategy, n, p.numLayers(), 0).hooks();
                    float[] fresh = s.prefill(longer, prompt.imageStart(), emb, null, hooks)
                            .logits();
                    assertArrayEquals(fresh, cached[i], 2e-5f, "step " + i);
                }
            }
            // and the prune is real: it changes the logits
            LlavaPipeline.Answer plain = p.answer(QUESTION, image, null, 0, 1);
            LlavaPipeline.Answer pruned = p.answer(QUESTION, image, strategy, 0, 1);
            assertFalse(Arrays.equals(
                    plain.generation().prefill().logits(),
                    pruned.generation().prefill().logits()));
        }
    }

    @Test
    void noCutByDefaultAndTheOriginalCodesCutOnRequest() {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        RgbImage image = noise(57, 57, 5); // 88 image tokens, the most
        int imageStart;
        int fullLength;
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            assertEquals(null, p.maxLengthCut());
            LlavaPipeline.Answer a = p.answer(QUESTION, image, null, 0, 2);
            imageStart = a.prompt().imageStart();
            fullLength = a.prompt().length();
            assertEquals(88, a.prompt().imageLength());
            // past the model's context (512): a clear error, nothing cut
            PromptTooLongException e =
                    assertThrows(PromptTooLongException.class, () -> p.answer(QUESTION, image, null, 0, 500));
            assertTrue(e.getMessage().contains("context of 512"), e.getMessage());
        }
        int cut = imageStart + 10;
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU.withMaxLengthCut(cut))) {
            LlavaPipeline.Answer a = p.answer(QUESTION, image, keepFirstPercent(50), 0, 2);
            assertEquals(cut, a.prompt().length(), "the sequence is cut inside the image block");
            assertEquals(10, a.prompt().imageLength());
            assertEquals(10, a.origins().size());
            assertEquals(10, a.run().schedule().imageTokens(), "the schedule sees the image tokens left");
            assertEquals(5, a.run().stages().get(0).keptPatches().length);
            // a cut longer than the prompt changes nothing
        }
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU.withMaxLengthCut(fullLength))) {
            assertEquals(
                    fullLength, p.answer(QUESTION, image, null, 0, 2).prompt().length());
        }
    }

    @Test
    void theImageCacheKeepsEachImagesOwnTokenCountAndOrigins() {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        RgbImage wide = noise(120, 50, 1);
        RgbImage tall = noise(50, 120, 1);
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            LlavaPipeline.Answer w1 = p.answer(QUESTION, "wide", () -> wide, keepFirstPercent(50), 0, 3);
            LlavaPipeline.Answer t1 = p.answer(QUESTION, "tall", () -> tall, keepFirstPercent(50), 0, 3);
            assertTrue(p.hasCachedImage("wide") && p.hasCachedImage("tall"));
            LlavaPipeline.Answer w2 = p.answer(
                    QUESTION,
                    "wide",
                    () -> {
                        throw new AssertionError("cached");
                    },
                    keepFirstPercent(50),
                    0,
                    3);
            LlavaPipeline.Answer t2 = p.answer(
                    QUESTION,
                    "tall",
                    () -> {
                        throw new AssertionError("cached");
                    },
                    keepFirstPercent(50),
                    0,
                    3);
            assertEquals(52, w2.prompt().imageLength());
            assertEquals(56, t2.prompt().imageLength());
            assertEquals(w1.origins(), w2.origins());
            assertEquals(t1.origins(), t2.origins());
            assertArrayEquals(
                    w1.generation().prefill().logits(),
                    w2.generation().prefill().logits(),
                    0f);
            assertArrayEquals(
                    t1.generation().prefill().logits(),
                    t2.generation().prefill().logits(),
                    0f);
            assertArrayEquals(
                    w1.run().stages().get(0).keptPatches(),
                    w2.run().stages().get(0).keptPatches());
        }
    }

    @Test
    void theImageLayoutSignalDescribesTilesAndNewlines() {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        List<RequestStart> seen = new ArrayList<>();
        PruningStrategy observer = new PruningStrategy() {
            @Override
            public String name() {
                return "layout-observer";
            }

            @Override
            public Set<StartSignal> startSignals() {
                return Set.of(StartSignal.IMAGE_LAYOUT);
            }

            @Override
            public PruneSchedule schedule(int imageTokens, int numLayers) {
                return new PruneSchedule(imageTokens, List.of());
            }

            @Override
            public LayerSignals signals(int layer, PruneSchedule schedule) {
                return LayerSignals.NONE;
            }

            @Override
            public RequestScorer newRequest(long seed) {
                return new RequestScorer() {
                    @Override
                    public void onStart(RequestStart start) {
                        seen.add(start);
                    }

                    @Override
                    public int[] select(int afterLayer, int keep, org.transprune.model.TokenLayout layout) {
                        throw new AssertionError("no stage");
                    }
                };
            }
        };
        try (LlavaPipeline p = LlavaPipeline.open(dir, CPU)) {
            LlavaPipeline.Answer a = p.answer(QUESTION, noise(120, 50, 3), observer, 0, 1);
            assertEquals(1, seen.size());
            var layout = seen.get(0).imageLayout();
            assertNotNull(layout, "AnyRes origins reach strategies");
            assertEquals(52, layout.tokens());
            assertEquals(3, layout.views(), "base view + a 1x2 tile grid");
            assertEquals(a.origins(), layout.origins());
            // base view first (view 0), then tile rows of 8 tokens (tiles 1, 2) and a newline (view -1)
            assertEquals(0, layout.view()[15]);
            assertEquals(1, layout.view()[16]);
            assertEquals(2, layout.view()[16 + 4]);
            assertEquals(-1, layout.view()[16 + 8]);
            assertEquals(1, layout.row()[16 + 9]);
        }
    }

    @Test
    void aMissingImageNewlineAndMalformedPinpointsNameTheFile() throws Exception {
        // the llava_next config over weights without image_newline
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        Path bare = tmp.resolve("bare");
        TinyCheckpointDirs.write(bare);
        Files.copy(dir.resolve("config.json"), bare.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        CheckpointException missing = assertThrows(CheckpointException.class, () -> LlavaPipeline.open(bare, CPU));
        assertTrue(missing.getMessage().contains(bare.toString()), missing.getMessage());
        assertTrue(missing.getMessage().contains("image_newline"), missing.getMessage());

        Path config = dir.resolve("config.json");
        String good = Files.readString(config);
        for (String bad : new String[] {"[[56, 112], [112]]", "[[56, 100]]", "[]"}) {
            Files.writeString(
                    config,
                    good.replaceFirst(
                            "(?s)\"image_grid_pinpoints\"\\s*:\\s*\\[.*?\\]\\s*\\]",
                            "\"image_grid_pinpoints\" : " + bad));
            CheckpointException e = assertThrows(CheckpointException.class, () -> LlavaPipeline.open(dir, CPU), bad);
            assertTrue(e.getMessage().contains(config.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("image_grid_pinpoints"), e.getMessage());
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
