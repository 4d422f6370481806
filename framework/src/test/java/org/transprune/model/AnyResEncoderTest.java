package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.InMemoryTensorSource;
import org.transprune.checkpoint.RandomLlavaWeights;
import org.transprune.config.AnyResConfig;
import org.transprune.config.LlavaConfig;
import org.transprune.image.AnyRes;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;

/**
 * The LLaVA-NeXT image embeddings on a tiny model (56 px views, 4x4 patch grid, pinpoints 56x112,
 * 112x56, 112x112): every row is the right view's feature or the newline, and keep-all pruning of
 * the variable-length image block equals the unpruned prefill.
 */
class AnyResEncoderTest {
    private static LlavaConfig config;
    private static InMemoryTensorSource weights;
    private static LlavaModel model;
    private static AnyResEncoder encoder;
    private static final ImagePreprocessor PRE = ImagePreprocessor.clip(56);

    @BeforeAll
    static void load() {
        config = TinyModels.config()
                .withAnyRes(new AnyResConfig(
                        List.of(new int[] {56, 112}, new int[] {112, 56}, new int[] {112, 112}),
                        AnyResConfig.HF,
                        true));
        weights = RandomLlavaWeights.generate(config, 11);
        model = LlavaModel.load(config, weights, Device.cpu(), WeightPolicy.FP32);
        encoder = AnyResEncoder.load(model, weights);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static RgbImage image(int w, int h, long seed) {
        byte[] rgb = new byte[3 * w * h];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) r.nextInt(256);
        }
        return new RgbImage(w, h, rgb);
    }

    private static float[] row(float[] values, int i, int h) {
        return Arrays.copyOfRange(values, i * h, (i + 1) * h);
    }

    @Test
    void everyRowComesFromItsViewOrIsTheNewline() {
        int h = config.text().hiddenSize();
        for (int[] size : new int[][] {{120, 100}, {70, 40}, {40, 70}, {50, 50}}) {
            for (AnyResRules rules : AnyResRules.values()) {
                AnyResEncoder enc = encoder.withRules(rules);
                RgbImage img = image(size[0], size[1], 3);
                AnyResPlan plan = enc.plan(size[0], size[1]);
                try (NDManager m = NDManager.newBaseManager()) {
                    float[] out = enc.encode(img, PRE, m).toFloatArray();
                    assertEquals(plan.imageTokens() * h, out.length);
                    List<RgbImage> views = AnyRes.views(img, plan, PRE.filter());
                    float[][] viewFeatures = new float[views.size()][];
                    for (int v = 0; v < views.size(); v++) {
                        viewFeatures[v] = model.encodeImage(
                                        PRE.preprocess(views.get(v)).data(), m)
                                .toFloatArray();
                    }
                    float[] newline =
                            weights.fp32(CanonicalNames.IMAGE_NEWLINE, m).toFloatArray();
                    TokenOrigins origins = plan.origins();
                    int g = plan.patchGrid();
                    for (int i = 0; i < origins.size(); i++) {
                        TokenOrigin o = origins.get(i);
                        float[] expected = switch (o.kind()) {
                            case BASE -> row(viewFeatures[0], o.row() * g + o.column(), h);
                            case NEWLINE -> newline;
                            case TILE -> {
                                int gr = plan.firstRow() + o.row();
                                int gc = plan.firstColumn() + o.column();
                                yield row(viewFeatures[1 + o.tile()], (gr % g) * g + gc % g, h);
                            }
                        };
                        assertArrayEquals(
                                expected, row(out, i, h), 0f, size[0] + "x" + size[1] + " " + rules + " " + o);
                    }
                }
            }
        }
    }

    @Test
    void tokenCountsOfTheTinyModel() {
        // worked out from the reference rules with 56 px tiles and a 4x4 grid
        assertEquals(16 + 6 * 9, encoder.plan(120, 100).imageTokens());
        assertEquals(16 + 4 * 9, encoder.plan(70, 40).imageTokens());
        assertEquals(16 + 8 * 5, encoder.plan(40, 70).imageTokens());
        assertEquals(2, encoder.plan(50, 50).tileCols());
        assertEquals(2, encoder.withRules(AnyResRules.LLAVA).plan(50, 50).tileRows());
    }

    @Test
    void keepingEveryImageTokenEqualsTheUnprunedPrefill() {
        RgbImage img = image(120, 100, 9);
        int n = encoder.plan(120, 100).imageTokens();
        int prefix = 3;
        int[] ids = TinyModels.prompt(prefix, n, 5, 4);
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        float[] unpruned;
        float[] keptAll;
        try (InferenceSession s = model.newSession()) {
            NDArray emb = encoder.encode(img, PRE, s.manager());
            unpruned = s.prefill(ids, prefix, emb, null, ForwardHooks.NONE).logits();
        }
        try (InferenceSession s = model.newSession()) {
            NDArray emb = encoder.encode(img, PRE, s.manager());
            keptAll = s.prefill(
                            ids,
                            prefix,
                            emb,
                            null,
                            ForwardHooks.pruning((layer, layout) -> layer == 2 ? all : null, PositionPolicy.RENUMBER))
                    .logits();
        }
        assertArrayEquals(unpruned, keptAll, 0f);
    }

    @Test
    void singleViewModelsAreRefused() {
        LlavaConfig plain = TinyModels.config();
        try (LlavaModel m =
                LlavaModel.load(plain, RandomLlavaWeights.generate(plain, 1), Device.cpu(), WeightPolicy.FP32)) {
            assertThrows(
                    IllegalArgumentException.class, () -> AnyResEncoder.load(m, RandomLlavaWeights.generate(plain, 1)));
        }
    }
}
