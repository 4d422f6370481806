package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.TensorType;
import org.transprune.image.AnyResPlan;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;
import org.transprune.model.AnyResEncoder;
import org.transprune.model.ComputeDtype;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.pipeline.AnyResProjectorStep;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.pipeline.ProjectorStep;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.prune.ChainedStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyRun;
import org.transprune.text.PromptTokens;

/**
 * The projector-stage strategies on the tiny LLaVA-NeXT (56 px views, 4 x 4 patches, pinpoints read
 * hf: [56, 112] = 56 high, 112 wide), following each method's own LLaVA-NeXT code
 * (docs/llava-next.md#projector-stage). Hand-worked counts with {@code tokens: 4} (4 per view):
 *
 * <ul>
 *   <li>112x56: one row of two tiles, no padding, 4 x 8 grid: N = 16 + 4 x 9 = 52; 3 views.
 *   <li>112x112: 2 x 2 tiles, no padding, 8 x 8 grid: N = 16 + 8 x 9 = 88; 5 views.
 *   <li>56x56: 1 x 2 tiles, unpadding keeps columns 2..5 of 8: N = 16 + 4 x 5 = 36; 3 views.
 * </ul>
 */
class NextProjectorPipelineTest {
    @TempDir
    static Path tmp;

    private static LlavaPipeline pipeline;
    private static final String QUESTION = "what color is the circle ?";

    @BeforeAll
    static void open() {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 6, TensorType.F32, 3);
        pipeline = LlavaPipeline.open(dir, LlavaPipeline.Options.defaults().withDtype(ComputeDtype.FP32));
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    private static RgbImage noise(int w, int h, long seed) {
        byte[] rgb = new byte[3 * w * h];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) r.nextInt(256);
        }
        return new RgbImage(w, h, rgb);
    }

    private static PruningStrategy create(String name, int tokens) {
        return Strategies.create(name, Map.of("tokens", tokens));
    }

    @Test
    void eachStrategyLetsItsAuthorsPerViewBudgetsIntoTheDecoder() {
        // {width, height, N, visionzip, fastervlm, cdpruner, divprune}, by hand (see the class comment):
        // visionzip, fastervlm, cdpruner: 4 per view; divprune: rint(N * 4 / 16) over the whole block.
        int[][] cases = {{112, 56, 52, 12, 12, 12, 13}, {112, 112, 88, 20, 20, 20, 22}};
        String[] names = {"visionzip", "fastervlm", "cdpruner", "divprune"};
        for (int[] c : cases) {
            RgbImage image = noise(c[0], c[1], 5);
            String key = "img" + c[0] + "x" + c[1];
            for (int i = 0; i < names.length; i++) {
                String what = names[i] + " " + c[0] + "x" + c[1];
                PruningStrategy s = create(names[i], 4);
                LlavaPipeline.Answer a = pipeline.answer(QUESTION, key, () -> image, s, 1, 3);
                assertNotNull(a.text(), what);
                int k = c[3 + i];
                assertEquals(c[2], a.prompt().imageLength(), what);
                assertEquals(
                        "after [0]: " + c[2] + " -> " + k, a.run().schedule().describe(), what);
                int text = a.prompt().textLength();
                for (int t : a.generation().prefill().tokensPerLayer()) {
                    assertEquals(text + k, t, what + ": every layer holds the tokens that entered");
                }
                StrategyRun.StageRecord stage = a.run().stages().get(0);
                assertEquals(k, stage.tokens(), what);
                assertEquals(c[2], stage.candidatePatches().length, what);
                assertEquals(c[2], a.origins().size(), what);
                assertNotNull(a.plan(), what);
                // from the tower cache: same answer and tokens
                assertTrue(pipeline.hasCachedImage(key, s), what);
                LlavaPipeline.Answer again = pipeline.answer(QUESTION, key, () -> null, s, 1, 3);
                assertEquals(a.text(), again.text(), what);
                assertArrayEquals(
                        stage.keptPatches(), again.run().stages().get(0).keptPatches(), what);
            }
        }
    }

    /** The entering block of {@code strategy} on {@code image}, through the public projector-stage entry. */
    private static ProjectorStep.Entered enter(PruningStrategy strategy, RgbImage image, NDManager m) {
        LlavaModel model = pipeline.model();
        AnyResPlan plan = pipeline.anyRes().plan(image.width(), image.height());
        AnyResProjectorStep.Views views = AnyResProjectorStep.encode(
                model,
                plan,
                AnyResEncoder.viewPixels(image, plan, pipeline.preprocessor()),
                strategy.projectorStage().projectorSignals(),
                m);
        PromptTokens prompt = pipeline.encode(QUESTION, plan.imageTokens(), 4);
        return AnyResProjectorStep.enter(model, pipeline.anyRes().newline(), strategy, views, prompt, m, 1);
    }

    /** The {@code k} patches of highest value, ties to the lower patch, in patch order. */
    private static int[] topK(float[] v, int k) {
        return IntStream.range(0, v.length)
                .boxed()
                .sorted((a, b) -> v[a] != v[b] ? Float.compare(v[b], v[a]) : Integer.compare(a, b))
                .limit(k)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
    }

    @Test
    void fasterVlmKeepsEachViewsTopClsAttentionOnThePaddedGridWithoutNewlines() {
        RgbImage image = noise(56, 56, 8); // 1 x 2 tiles, unpadded columns 2..5 of 8
        PruningStrategy s = create("fastervlm", 4);
        AnyResPlan plan = pipeline.anyRes().plan(56, 56);
        assertEquals(36, plan.imageTokens());
        assertEquals(2, plan.firstColumn());
        try (InferenceSession session = pipeline.model().newSession()) {
            NDManager m = session.manager();
            ProjectorStep.Entered e = enter(s, image, m);
            AnyResProjectorStep.Views views = AnyResProjectorStep.encode(
                    pipeline.model(),
                    plan,
                    AnyResEncoder.viewPixels(image, plan, pipeline.preprocessor()),
                    s.projectorStage().projectorSignals(),
                    m);
            // expected, by hand: base top-4 in patch order, then the tiles' top-4 row-major over the 4 x 8 grid
            List<int[]> expected = new ArrayList<>(); // {kind 0 base / 1 tile, tile, grid row, grid column}
            for (int p : topK(views.towers().get(0).clsAttention(), 4)) {
                expected.add(new int[] {0, -1, p / 4, p % 4});
            }
            boolean[][] keep = new boolean[2][16];
            for (int t = 0; t < 2; t++) {
                for (int p : topK(views.towers().get(t + 1).clsAttention(), 4)) {
                    keep[t][p] = true;
                }
            }
            for (int gr = 0; gr < 4; gr++) {
                for (int gc = 0; gc < 8; gc++) {
                    if (keep[gc / 4][gr * 4 + gc % 4]) {
                        expected.add(new int[] {1, gc / 4, gr, gc});
                    }
                }
            }
            TokenOrigins origins = e.origins();
            assertEquals(12, origins.size());
            assertEquals(12, e.block().getShape().get(0));
            TokenOrigins all = plan.origins();
            int[] standsAt = new int[12];
            for (int i = 0; i < 12; i++) {
                int[] x = expected.get(i);
                TokenOrigin o = origins.get(i);
                if (x[0] == 0) {
                    assertEquals(all.get(x[2] * 4 + x[3]), o, "base token " + i);
                    standsAt[i] = x[2] * 4 + x[3];
                } else {
                    assertEquals(TokenOrigin.Kind.TILE, o.kind(), "token " + i);
                    assertEquals(x[1], o.tile(), "token " + i);
                    assertEquals(x[2], o.row(), "token " + i);
                    // unpadded column: the grid column minus the 2 padded columns on the left
                    assertEquals(x[3] - 2, o.column(), "token " + i);
                    boolean inWindow = x[3] >= 2 && x[3] < 6;
                    // in the window: the block's own token (16 base tokens, rows of 4 + newline)
                    standsAt[i] = inWindow ? 16 + x[2] * 5 + (x[3] - 2) : -1;
                    if (inWindow) {
                        assertEquals(all.get(standsAt[i]), o, "token " + i);
                    } else {
                        assertEquals(o.x0(), o.x1(), 1e-12, "a padding patch covers no part of the image");
                    }
                }
            }
            int[] keptPatches =
                    Arrays.stream(standsAt).filter(p -> p >= 0).sorted().toArray();
            assertArrayEquals(keptPatches, e.run().stages().get(0).keptPatches());
            assertTrue(Arrays.stream(e.run().stages().get(0).keptPatches())
                    .noneMatch(p -> all.get(p).isNewline()));
        }
    }

    @Test
    void visionZipKeepsCLSAndContextualTokensPerViewInItsAuthorsOrder() {
        RgbImage image = noise(112, 56, 4);
        // tokens 4: 1 contextual (round(4 * 10 / 64)), 3 dominant = CLS + 2 patches, per view
        PruningStrategy s = create("visionzip", 4);
        try (InferenceSession session = pipeline.model().newSession()) {
            ProjectorStep.Entered e = enter(s, image, session.manager());
            TokenOrigins o = e.origins();
            assertEquals(12, o.size());
            // base: CLS (whole image), 2 dominant patches, 1 contextual; tiles: 4 dominant patches on the grid,
            // the 2 tiles' CLS tokens, the 2 tiles' contextual tokens
            assertEquals(-1, o.get(0).row());
            assertEquals(TokenOrigin.Kind.BASE, o.get(0).kind());
            for (int i = 1; i < 4; i++) {
                assertEquals(TokenOrigin.Kind.BASE, o.get(i).kind(), "token " + i);
            }
            for (int i = 4; i < 8; i++) {
                assertEquals(TokenOrigin.Kind.TILE, o.get(i).kind(), "token " + i);
                assertTrue(o.get(i).row() >= 0, "token " + i);
                if (i > 4) {
                    int prev = o.get(i - 1).row() * 8 + o.get(i - 1).column();
                    assertTrue(o.get(i).row() * 8 + o.get(i).column() > prev, "row-major over the grid");
                }
            }
            assertEquals(0, o.get(8).tile());
            assertEquals(-1, o.get(8).row(), "tile 0's CLS token");
            assertEquals(1, o.get(9).tile());
            assertEquals(-1, o.get(9).row(), "tile 1's CLS token");
            assertEquals(0, o.get(10).tile(), "tile 0's contextual token");
            assertEquals(1, o.get(11).tile(), "tile 1's contextual token");
            StrategyRun.StageRecord stage = e.run().stages().get(0);
            int[][] covers = stage.tokenPatches();
            assertNotNull(covers);
            assertEquals(0, covers[0].length, "the base CLS covers nothing");
            assertEquals(16 - 2, covers[3].length, "the base contextual token covers the 14 base patches not dominant");
            assertEquals(0, covers[8].length);
            assertEquals(
                    16 - 2, covers[10].length, "tile 0's contextual token: its 14 non-dominant patches (no padding)");
            // together, all tokens cover every base and tile token of the block once; newlines never
            int[] covered =
                    Arrays.stream(covers).flatMapToInt(Arrays::stream).sorted().toArray();
            TokenOrigins all = pipeline.anyRes().plan(112, 56).origins();
            int[] imagePatches =
                    IntStream.range(0, 52).filter(i -> !all.get(i).isNewline()).toArray();
            assertArrayEquals(imagePatches, covered);
        }
    }

    @Test
    void keepingEveryTokenOfEveryViewEqualsTheUnprunedModel() {
        for (int[] size : new int[][] {{56, 56}, {112, 112}, {112, 56}}) {
            RgbImage image = noise(size[0], size[1], 9);
            LlavaPipeline.Answer plain = pipeline.answer(QUESTION, image, null, 0, 4);
            // DivPrune selects over the whole block, newlines included: keeping all is the unpruned block
            String what = "divprune " + size[0] + "x" + size[1];
            LlavaPipeline.Answer all = pipeline.answer(QUESTION, image, create("divprune", 16), 0, 4);
            assertEquals(plain.prompt().imageLength(), all.run().schedule().enteringTokens(), what);
            assertArrayEquals(
                    plain.generation().prefill().logits(),
                    all.generation().prefill().logits(),
                    0f,
                    what);
            assertArrayEquals(plain.generation().tokens(), all.generation().tokens(), what);
        }
        // FasterVLM and CDPruner keep all on the padded grid without newlines: with no padding (112x56, 112x112) the
        // block is the unpruned one without its newline tokens, value for value
        for (int[] size : new int[][] {{112, 56}, {112, 112}}) {
            RgbImage image = noise(size[0], size[1], 9);
            TokenOrigins all = pipeline.anyRes().plan(size[0], size[1]).origins();
            int n = all.size();
            int newlines = all.count(TokenOrigin.Kind.NEWLINE);
            for (String name : List.of("fastervlm", "cdpruner")) {
                try (InferenceSession session = pipeline.model().newSession()) {
                    float[] unpruned = LlavaModel.floats(pipeline.encodeImage(image, session.manager()));
                    ProjectorStep.Entered e = enter(create(name, 16), image, session.manager());
                    int h = pipeline.model().config().text().hiddenSize();
                    float[] expected = new float[(n - newlines) * h];
                    int at = 0;
                    for (int i = 0; i < n; i++) {
                        if (!all.get(i).isNewline()) {
                            System.arraycopy(unpruned, i * h, expected, at * h, h);
                            at++;
                        }
                    }
                    assertEquals(16 * (size[1] == 56 ? 3 : 5), at, name);
                    assertArrayEquals(expected, LlavaModel.floats(e.block()), 0f, name + " " + size[0] + "x" + size[1]);
                }
            }
        }
    }

    @Test
    void aVisionZipTransPruneChainOnNextDecodesFromItsCacheAsRecomputationDoes() {
        RgbImage image = noise(112, 112, 2);
        PruningStrategy chain = ChainedStrategy.of(
                create("visionzip", 4),
                Strategies.create(
                        "transprune",
                        Map.of("layers", List.of(2, 4), "ratios", List.of(0.5, 0.25), "window", List.of(1, 4))));
        LlavaPipeline.Answer a = pipeline.answer(QUESTION, image, chain, 1, 2);
        // 5 views x 4 = 20 entering, then int(20 * 0.5), int(20 * 0.25)
        assertEquals("after [0, 2, 4]: 88 -> 20 -> 10 -> 5", a.run().schedule().describe());
        int[] generated = {5, 17, 30};
        float[][] cached = new float[generated.length][];
        int start;
        try (InferenceSession s = pipeline.model().newSession()) {
            ProjectorStep.Entered e = enter(chain, image, s.manager());
            start = e.prompt().imageStart();
            s.prefill(
                    e.prompt().ids(),
                    start,
                    e.block(),
                    e.origins(),
                    null,
                    e.run().hooks());
            for (int i = 0; i < generated.length; i++) {
                cached[i] = s.decode(generated[i]);
            }
        }
        for (int i = 0; i < generated.length; i++) {
            try (InferenceSession s = pipeline.model().newSession()) {
                ProjectorStep.Entered e = enter(chain, image, s.manager());
                int[] ids = e.prompt().ids();
                int[] longer = Arrays.copyOf(ids, ids.length + i + 1);
                System.arraycopy(generated, 0, longer, ids.length, i + 1);
                float[] fresh = s.prefill(
                                longer,
                                start,
                                e.block(),
                                e.origins(),
                                null,
                                e.run().hooks())
                        .logits();
                assertArrayEquals(fresh, cached[i], 2e-5f, "step " + i);
            }
        }
        LlavaPipeline.Answer plain = pipeline.answer(QUESTION, image, null, 1, 1);
        assertFalse(Arrays.equals(
                plain.generation().prefill().logits(), a.generation().prefill().logits()));
    }
}
