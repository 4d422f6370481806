package org.transprune.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.image.QwenPixels;
import org.transprune.image.RgbImage;
import org.transprune.model.DeviceChoice;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.ProjectorSignal;
import org.transprune.model.QwenModel;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.MergeRule;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorOnlyStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.text.PromptTokens;

/**
 * The projector stage on a tiny Qwen2.5-VL checkpoint: keep-all equals the unpruned model exactly, survivors keep
 * their original 3D positions, cached decoding after a projector prune equals recomputation, merged tokens are
 * formed from merged tokens or the merger's input, and signals Qwen's tower lacks are refused by name.
 */
class QwenProjectorStepTest {
    private static final String QUESTION = "what color is the circle ?";
    /** 126 x 70 (h x w) resizes to 112 x 56: 4 x 2 merged tokens. */
    private static final int ROWS = 4;

    private static final int COLS = 2;

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

    /** A projector-only strategy with a fixed decision. */
    private static PruningStrategy fixed(
            String name,
            Set<ProjectorSignal> signals,
            int[] kept,
            List<ProjectorDecision.MergedToken> merged,
            MergeRule rule,
            Set<ProjectorSignal> given) {
        int entering = kept.length + merged.size();
        return new ProjectorOnlyStrategy() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Set<ProjectorSignal> projectorSignals() {
                return signals;
            }

            @Override
            public MergeRule mergeRule() {
                return rule;
            }

            @Override
            public int enteringTokens(int imageTokens) {
                return Math.min(entering, imageTokens);
            }

            @Override
            public ProjectorDecision decide(ProjectorInputs in, int n, long seed) {
                if (in.clsAttention() != null || in.towerKeys() != null) {
                    throw new AssertionError("signals Qwen does not define were given");
                }
                if (in.towerFeatures() != null) {
                    given.add(ProjectorSignal.TOWER_FEATURES);
                    assertEquals(in.imageTokens(), in.towerFeatures().getShape().get(0));
                    assertEquals(4 * 32, in.towerFeatures().getShape().get(1), "2x2 patches of width 32");
                }
                if (in.projected() != null) {
                    given.add(ProjectorSignal.PROJECTED_TOKENS);
                }
                if (in.instruction() != null) {
                    given.add(ProjectorSignal.INSTRUCTION_EMBEDDINGS);
                }
                return new ProjectorDecision(kept, merged, false, Map.of());
            }
        };
    }

    private static PruningStrategy keeping(int... kept) {
        return fixed(
                "keep-fixed",
                Set.of(ProjectorSignal.PROJECTED_TOKENS),
                kept,
                List.of(),
                MergeRule.FEATURE_MEAN,
                new java.util.HashSet<>());
    }

    @Test
    void keepingEveryTokenBeforeTheDecoderGivesExactlyTheUnprunedAnswer() {
        var unpruned = pipeline.answer(QUESTION, image(), null, 0, 3);
        var keepAll = pipeline.answer(QUESTION, image(), keeping(0, 1, 2, 3, 4, 5, 6, 7), 0, 3);
        assertEquals(ROWS * COLS, unpruned.prompt().imageLength());
        assertArrayEquals(
                unpruned.generation().prefill().logits(),
                keepAll.generation().prefill().logits(),
                0f,
                "bit for bit");
        assertArrayEquals(unpruned.generation().tokens(), keepAll.generation().tokens());
        assertArrayEquals(
                new int[] {0, 1, 2, 3, 4, 5, 6, 7},
                keepAll.run().stages().get(0).keptPatches());
    }

    @Test
    void aPrunedImageEntersShorterAndItsCostFollowsTheEnteringTokens() {
        var a = pipeline.answer(QUESTION, image(), keeping(1, 4, 6), 0, 2);
        int length = a.prompt().length();
        assertEquals(ROWS * COLS, a.prompt().imageLength(), "the answer's prompt is the unpruned one");
        int[] perLayer = a.generation().prefill().tokensPerLayer();
        for (int tokens : perLayer) {
            assertEquals(length - 8 + 3, tokens, Arrays.toString(perLayer));
        }
        assertEquals(List.of(8, 3), a.run().schedule().stageTokenCounts());
        assertArrayEquals(new int[] {1, 4, 6}, a.run().stages().get(0).keptPatches());
        assertEquals(8, a.origins().size(), "origins of the whole image: records count original tokens");
        assertEquals(3, a.origins().get(6).row());
        assertEquals(0, a.origins().get(6).column());
    }

    @Test
    void survivorsKeepTheirOriginal3dPositionsAndTextContinuesAfterTheUnprunedImage() {
        QwenModel model = pipeline.model();
        QwenPixels pixels = pipeline.processor().preprocess(image());
        PromptTokens prompt = pipeline.encode(QUESTION, ROWS * COLS, 3);
        int s = prompt.imageStart();
        // kept 1, 4, 6 and a merged token standing at 7 that absorbs 0 (its position: 7's)
        PruningStrategy strategy = fixed(
                "keep-and-merge",
                Set.of(ProjectorSignal.PROJECTED_TOKENS),
                new int[] {1, 4, 6},
                List.of(new ProjectorDecision.MergedToken(7, new int[] {0})),
                MergeRule.PROJECTED_MEAN,
                new java.util.HashSet<>());
        try (InferenceSession session = model.newSession()) {
            QwenProjectorStep.Tower tower = QwenProjectorStep.encode(
                    model, pixels, Set.of(ProjectorSignal.PROJECTED_TOKENS), session.manager());
            assertNull(tower.mergerInput(), "the merger's input only when TOWER_FEATURES is declared");
            QwenProjectorStep.Entered e = QwenProjectorStep.enter(model, strategy, tower, prompt, session.manager(), 0);
            int[] standsAt = {1, 4, 6, 7};
            int length = prompt.length() - 8 + 4;
            assertEquals(length, e.prompt().length());
            // plain-Java reference: text before counts 0..s-1, image token p at (s, s + row, s + column), text
            // after from s + max(rows, columns) on
            for (int i = 0; i < length; i++) {
                int[] expected;
                if (i < s) {
                    expected = new int[] {i, i, i};
                } else if (i < s + 4) {
                    int p = standsAt[i - s];
                    expected = new int[] {s, s + p / COLS, s + p % COLS};
                } else {
                    int t = s + Math.max(ROWS, COLS) + (i - s - 4);
                    expected = new int[] {t, t, t};
                }
                for (int a = 0; a < 3; a++) {
                    assertEquals(expected[a], e.positions()[a][i], "token " + i + ", section " + a);
                }
            }
            // the layout a chained strategy sees
            assertArrayEquals(new int[] {0, 2, 3, 3}, e.layout().row());
            assertArrayEquals(new int[] {1, 0, 0, 1}, e.layout().column());
            // the block: kept tokens exactly, the merged token the mean of tokens 7 and 0
            float[] block = LlavaModel.floats(e.block());
            int w = tower.width();
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(
                        Arrays.copyOfRange(tower.tokens(), standsAt[i] * w, standsAt[i] * w + w),
                        Arrays.copyOfRange(block, i * w, i * w + w),
                        0f);
            }
            for (int j = 0; j < w; j++) {
                assertEquals((tower.tokens()[7 * w + j] + tower.tokens()[j]) / 2, block[3 * w + j], 1e-6f);
            }
            assertArrayEquals(new int[] {0, 7}, e.run().stages().get(0).tokenPatches()[3]);
        }
    }

    @Test
    void cachedDecodingAfterAProjectorPruneEqualsRecomputation() {
        QwenModel model = pipeline.model();
        QwenPixels pixels = pipeline.processor().preprocess(image());
        PromptTokens prompt = pipeline.encode(QUESTION, ROWS * COLS, 3);
        PruningStrategy strategy = keeping(0, 3, 5);
        int[] generate = {5, 66, 31};
        float[] values;
        float[][] cached = new float[generate.length][];
        QwenProjectorStep.Entered first;
        try (InferenceSession session = model.newSession()) {
            QwenProjectorStep.Tower tower = QwenProjectorStep.encode(
                    model, pixels, strategy.projectorStage().projectorSignals(), session.manager());
            first = QwenProjectorStep.enter(model, strategy, tower, prompt, session.manager(), 0);
            values = LlavaModel.floats(first.block());
            session.prefill(
                    first.prompt().ids(),
                    first.prompt().imageStart(),
                    first.block(),
                    first.positions(),
                    first.layout(),
                    first.run().hooks());
            for (int i = 0; i < generate.length; i++) {
                cached[i] = session.decode(generate[i]);
            }
        }
        int[] ids = first.prompt().ids();
        int[][] pos = first.positions();
        int last = pos[0][ids.length - 1];
        for (int i = 0; i < generate.length; i++) {
            int[] longer = Arrays.copyOf(ids, ids.length + i + 1);
            System.arraycopy(generate, 0, longer, ids.length, i + 1);
            int[][] longPos = new int[3][];
            for (int a = 0; a < 3; a++) {
                longPos[a] = Arrays.copyOf(pos[a], longer.length);
                for (int j = ids.length; j < longer.length; j++) {
                    longPos[a][j] = last + 1 + (j - ids.length);
                }
            }
            try (InferenceSession session = model.newSession()) {
                NDArray block = model.upload(values, first.block().getShape(), session.manager());
                float[] recomputed = session.prefill(
                                longer,
                                first.prompt().imageStart(),
                                block,
                                longPos,
                                first.layout(),
                                first.run().hooks())
                        .logits();
                assertArrayEquals(recomputed, cached[i], 2e-5f, "step " + i);
            }
        }
    }

    @Test
    void featureMergesGoThroughTheMergersMlp() {
        Set<ProjectorSignal> given = new java.util.HashSet<>();
        // a merged token of one block alone is that block's token again
        PruningStrategy alone = fixed(
                "merge-alone",
                Set.of(ProjectorSignal.TOWER_FEATURES),
                new int[] {2},
                List.of(new ProjectorDecision.MergedToken(5, new int[0])),
                MergeRule.FEATURE_MEAN,
                given);
        QwenModel model = pipeline.model();
        QwenPixels pixels = pipeline.processor().preprocess(image());
        PruningStrategy blind;
        try (InferenceSession session = model.newSession()) {
            QwenProjectorStep.Tower tower = QwenProjectorStep.encode(
                    model, pixels, alone.projectorStage().projectorSignals(), session.manager());
            assertEquals(8 * 4 * 32, tower.mergerInput().length);
            QwenProjectorStep.Entered e =
                    QwenProjectorStep.enter(model, alone, tower, pipeline.encode(QUESTION, 8, 3), session.manager(), 0);
            assertEquals(Set.of(ProjectorSignal.TOWER_FEATURES), given);
            float[] block = LlavaModel.floats(e.block());
            int w = tower.width();
            assertArrayEquals(
                    Arrays.copyOfRange(tower.tokens(), 5 * w, 6 * w), Arrays.copyOfRange(block, w, 2 * w), 1e-5f);
            // without the merger's input a feature merge is refused with the reason
            blind = fixed(
                    "merge-blind",
                    Set.of(ProjectorSignal.PROJECTED_TOKENS),
                    new int[] {2},
                    List.of(new ProjectorDecision.MergedToken(5, new int[] {6})),
                    MergeRule.FEATURE_ANCHOR_PLUS_MEAN,
                    given);
            IllegalStateException x = assertThrows(
                    IllegalStateException.class,
                    () -> QwenProjectorStep.enter(
                            model,
                            blind,
                            QwenProjectorStep.encode(model, pixels, Set.of(), session.manager()),
                            pipeline.encode(QUESTION, 8, 3),
                            session.manager(),
                            0));
            assertTrue(
                    x.getMessage().contains("merge-blind") && x.getMessage().contains("merger's input"),
                    x.getMessage());
        }
        // through the pipeline the merger's input is computed for a feature merge rule, declared or not
        var a = pipeline.answer(QUESTION, image(), blind, 0, 2);
        assertArrayEquals(new int[] {2, 5}, a.run().stages().get(0).keptPatches());
        assertArrayEquals(new int[] {5, 6}, a.run().stages().get(0).tokenPatches()[1]);
        assertEquals(a.prompt().length() - 8 + 2, a.generation().prefill().tokensPerLayer()[0]);
    }

    @Test
    void strategiesReadingTheClsAttentionOrTheTowerKeysAreRefusedWithTheReason() {
        PruningStrategy cls = fixed(
                "cls-reader",
                Set.of(ProjectorSignal.CLS_ATTENTION),
                new int[] {0},
                List.of(),
                MergeRule.FEATURE_MEAN,
                new java.util.HashSet<>());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> pipeline.answer(QUESTION, image(), cls, 0, 2));
        assertTrue(e.getMessage().contains("'cls-reader'"), e.getMessage());
        assertTrue(e.getMessage().contains("no [CLS] token"), e.getMessage());
        PruningStrategy keys = fixed(
                "key-reader",
                Set.of(ProjectorSignal.TOWER_KEYS),
                new int[] {0},
                List.of(),
                MergeRule.FEATURE_MEAN,
                new java.util.HashSet<>());
        e = assertThrows(IllegalArgumentException.class, () -> pipeline.answer(QUESTION, image(), keys, 0, 2));
        assertTrue(e.getMessage().contains("'key-reader'") && e.getMessage().contains("TOWER_KEYS"), e.getMessage());
    }

    @Test
    void theTowerOutputsAreCachedPerImageKey() {
        PruningStrategy s = keeping(1, 2);
        assertTrue(!pipeline.hasCachedImage("img-1", s));
        var a = pipeline.answer(QUESTION, "img-1", QwenProjectorStepTest::image, s, 0, 2);
        assertTrue(pipeline.hasCachedImage("img-1", s));
        var b = pipeline.answer(QUESTION, "img-1", () -> null, s, 0, 2);
        assertArrayEquals(
                a.generation().prefill().logits(), b.generation().prefill().logits(), 0f);
    }
}
