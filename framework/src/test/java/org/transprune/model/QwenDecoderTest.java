package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.QwenConfig;
import org.transprune.image.QwenPixels;

/**
 * The Qwen2 decoder inside the engine: M-RoPE position ids against a transliteration of the reference's
 * {@code get_rope_index}, the multimodal tables against plain RoPE, the q/k biases in the attention rows
 * strategies observe, and pruning with survivors keeping their 3D positions against recomputation.
 */
class QwenDecoderTest {
    private static final int PREFIX = 3;
    private static final int SUFFIX = 5;
    /** 8 x 6 patches: 4 x 3 merged tokens. */
    private static final int ROWS = 4;

    private static final int COLS = 3;
    private static QwenConfig config;
    private static Map<String, float[]> weights;
    private static QwenModel model;
    private static QwenPixels pixels;

    @BeforeAll
    static void load() {
        config = TinyQwen.config();
        weights = TinyQwen.weights(config, 31);
        model = TinyQwen.load(config, weights);
        pixels = TinyQwen.pixels(config, 2 * ROWS, 2 * COLS, 7);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int n() {
        return ROWS * COLS;
    }

    private static int[] prompt() {
        return TinyModels.prompt(PREFIX, n(), SUFFIX, 3);
    }

    // ---- position ids

    /** {@code get_rope_index} for one image and no video, transliterated from the reference. */
    private static int[][] referenceRopeIndex(int[] tokens, int imageToken, int h, int w) {
        List<int[]> columns = new ArrayList<>(); // each entry: {t, h, w}
        int st = 0;
        int ed = -1;
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == imageToken) {
                ed = i;
                break;
            }
        }
        if (ed >= 0) {
            int textLen = ed - st;
            int stIdx = 0;
            for (int i = 0; i < textLen; i++) {
                columns.add(new int[] {stIdx + i, stIdx + i, stIdx + i});
            }
            for (int t = 0; t < 1; t++) {
                for (int a = 0; a < h; a++) {
                    for (int b = 0; b < w; b++) {
                        columns.add(new int[] {t + textLen + stIdx, a + textLen + stIdx, b + textLen + stIdx});
                    }
                }
            }
            st = ed + h * w;
        }
        if (st < tokens.length) {
            int stIdx = 0;
            for (int[] c : columns) {
                stIdx = Math.max(stIdx, Math.max(c[0], Math.max(c[1], c[2])) + 1);
            }
            for (int i = 0; i < tokens.length - st; i++) {
                columns.add(new int[] {stIdx + i, stIdx + i, stIdx + i});
            }
        }
        int[][] out = new int[3][tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            for (int s = 0; s < 3; s++) {
                out[s][i] = columns.get(i)[s];
            }
        }
        return out;
    }

    @Test
    void positionIdsMatchTheReferencesRopeIndex() {
        int[][] cases = {{3, 4, 3, 5}, {0, 1, 1, 2}, {2, 2, 5, 0}, {4, 1, 6, 3}, {1, 6, 1, 4}, {5, 0, 0, 0}};
        for (int[] c : cases) {
            int prefix = c[0];
            int image = c[1] * c[2];
            int length = prefix + image + c[3];
            int[] tokens = new int[length];
            Arrays.fill(tokens, 5);
            Arrays.fill(tokens, prefix, prefix + image, 99);
            int[][] expected = image == 0
                    ? new int[][] {range(length), range(length), range(length)}
                    : referenceRopeIndex(tokens, 99, c[1], c[2]);
            int[][] got = MropePositions.of(length, prefix, c[1], c[2]);
            for (int s = 0; s < 3; s++) {
                assertArrayEquals(expected[s], got[s], "case " + Arrays.toString(c) + " section " + s);
            }
        }
        // text after a 4 x 3 image at index 3 continues at 3 + max(4, 3) = 7, not at 3 + 12
        assertEquals(7, MropePositions.of(20, 3, 4, 3)[0][15]);
    }

    @Test
    void threeEqualPositionIdsGiveExactlyPlainRope() {
        int[] ids = TinyModels.prompt(6, 0, 0, 4);
        int[] plain = range(ids.length);
        float[] a;
        float[] b;
        try (InferenceSession s = model.newSession()) {
            a = s.prefill(ids, 0, null, plain, ForwardHooks.NONE).logits();
        }
        try (InferenceSession s = model.newSession()) {
            b = s.prefill(ids, 0, null, new int[][] {plain, plain, plain}, null, ForwardHooks.NONE)
                    .logits();
        }
        assertArrayEquals(a, b, 0f);
    }

    // ---- prefill with the image

    private static float[][] run(int[] ids, int[] keepImage, int[][] positions, ForwardHooks hooks, int[] generate) {
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(pixels, s.manager());
            if (keepImage != null) {
                image = image.get(s.manager().create(toLong(keepImage)));
            }
            float[][] out = new float[1 + generate.length][];
            out[0] = s.prefill(ids, PREFIX, image, positions, null, hooks).logits();
            for (int i = 0; i < generate.length; i++) {
                out[i + 1] = s.decode(generate[i]);
            }
            return out;
        }
    }

    private static int[][] positions(int length) {
        return MropePositions.of(length, PREFIX, ROWS, COLS);
    }

    @Test
    void keepingEveryTokenGivesExactlyTheUnprunedLogits() {
        int[] all = range(n());
        int[] ids = prompt();
        float[][] unpruned = run(ids, null, positions(ids.length), ForwardHooks.NONE, new int[] {4, 9});
        for (PositionPolicy policy : PositionPolicy.values()) {
            ForwardHooks keepAll = ForwardHooks.pruning((layer, layout) -> layer == 2 ? all : null, policy);
            float[][] kept = run(ids, null, positions(ids.length), keepAll, new int[] {4, 9});
            for (int i = 0; i < unpruned.length; i++) {
                assertArrayEquals(unpruned[i], kept[i], 0f, policy + " step " + i);
            }
        }
    }

    @Test
    void pruningBeforeTheFirstLayerEqualsThePrunedPromptWithItsOriginalPositions() {
        int[] keep = {0, 3, 4, 9, 11};
        int[] ids = prompt();
        int[][] full = positions(ids.length);
        int[] generate = {17, 42, 8};
        for (PositionPolicy policy : PositionPolicy.values()) {
            float[][] pruned = run(
                    ids,
                    null,
                    full,
                    ForwardHooks.pruning((layer, layout) -> layer == 0 ? keep : null, policy),
                    generate);
            int[] rows = new int[PREFIX + keep.length + SUFFIX];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i < PREFIX ? i : i < PREFIX + keep.length ? PREFIX + keep[i - PREFIX] : i - keep.length + n();
            }
            int[] shortIds = new int[rows.length];
            int[][] shortPos = new int[3][rows.length];
            for (int i = 0; i < rows.length; i++) {
                shortIds[i] = ids[rows[i]];
                for (int s = 0; s < 3; s++) {
                    shortPos[s][i] = full[s][rows[i]];
                }
            }
            float[][] scratch = run(shortIds, keep, shortPos, ForwardHooks.NONE, generate);
            for (int i = 0; i < scratch.length; i++) {
                assertArrayEquals(scratch[i], pruned[i], 2e-5f, policy + " step " + i);
            }
        }
    }

    @Test
    void cachedDecodingAfterAMidLayerPruneEqualsRecomputation() {
        int[] keep = {1, 2, 7, 8, 10};
        ForwardHooks hooks = ForwardHooks.pruning((layer, layout) -> layer == 2 ? keep : null, PositionPolicy.RENUMBER);
        int[] ids = prompt();
        int[] generate = {5, 66, 31};
        float[][] cached = run(ids, null, positions(ids.length), hooks, generate);
        int last = positions(ids.length)[0][ids.length - 1];
        for (int i = 0; i < generate.length; i++) {
            // the prompt and the tokens fed so far, decoded tokens continuing after the unpruned prompt's last id
            int[] longer = Arrays.copyOf(ids, ids.length + i + 1);
            System.arraycopy(generate, 0, longer, ids.length, i + 1);
            int[][] pos = positions(ids.length);
            int[][] longPos = new int[3][];
            for (int s = 0; s < 3; s++) {
                longPos[s] = Arrays.copyOf(pos[s], longer.length);
                for (int j = ids.length; j < longer.length; j++) {
                    longPos[s][j] = last + 1 + (j - ids.length);
                }
            }
            float[] recomputed = run(longer, null, longPos, hooks, new int[0])[0];
            assertArrayEquals(recomputed, cached[i + 1], 2e-5f, "step " + i);
        }
    }

    // ---- attention rows strategies observe (IGA)

    @Test
    void observedAttentionRowsIncludeTheQueryAndKeyBiases() {
        int[] ids = prompt();
        int[][] pos = positions(ids.length);
        int[] queries = {ids.length - 2, ids.length - 1};
        float[][] observed = new float[1][];
        float[] imageRows;
        AttentionObserver observer = new AttentionObserver() {
            @Override
            public int[] attentionQueries(int layer, TokenLayout layout) {
                return layer == 1 ? queries : null;
            }

            @Override
            public void onAttention(int layer, int[] q, NDArray probabilities, TokenLayout layout) {
                observed[0] = probabilities.toFloatArray();
            }
        };
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(pixels, s.manager());
            imageRows = image.toFloatArray();
            s.prefill(ids, PREFIX, image, pos, null, new ForwardHooks(null, observer, null, PositionPolicy.RENUMBER));
        }
        double[] withBias = referenceAttention(ids, imageRows, pos, queries, true);
        double[] withoutBias = referenceAttention(ids, imageRows, pos, queries, false);
        double gap = 0;
        for (int i = 0; i < withBias.length; i++) {
            assertEquals(withBias[i], observed[0][i], 1e-5, "probability " + i);
            gap = Math.max(gap, Math.abs(withBias[i] - withoutBias[i]));
        }
        assertTrue(gap > 1e-3, "the biases should matter for this check to mean anything; gap " + gap);
    }

    /** Head-averaged causal attention of layer 1 in doubles, from the embeddings. */
    private static double[] referenceAttention(int[] ids, float[] imageRows, int[][] pos, int[] queries, boolean bias) {
        var t = config.text();
        int d = t.hiddenSize();
        int hd = t.headDim();
        int heads = t.numHeads();
        int group = heads / t.numKeyValueHeads();
        int len = ids.length;
        float[] embed = weights.get(CanonicalNames.EMBED_TOKENS);
        double[][] x = new double[len][d];
        for (int i = 0; i < len; i++) {
            boolean image = i >= PREFIX && i < PREFIX + n();
            for (int e = 0; e < d; e++) {
                x[i][e] = image ? imageRows[(i - PREFIX) * d + e] : embed[ids[i] * d + e];
            }
        }
        String l = CanonicalNames.decoderLayer(0);
        double[][] h = QwenVisionTowerTest.PlainQwenVision.rms(x, weights.get(l + CanonicalNames.INPUT_NORM));
        // rms with eps 1e-6 matches the text config's rms_norm_eps here
        double[][] q = QwenVisionTowerTest.PlainQwenVision.linear(
                h,
                weights.get(l + CanonicalNames.Q_PROJ),
                bias ? weights.get(l + CanonicalNames.Q_BIAS) : null,
                heads * hd);
        double[][] k = QwenVisionTowerTest.PlainQwenVision.linear(
                h,
                weights.get(l + CanonicalNames.K_PROJ),
                bias ? weights.get(l + CanonicalNames.K_BIAS) : null,
                t.numKeyValueHeads() * hd);
        int[] sections = config.mropeSections();
        double[] out = new double[queries.length * len];
        for (int qi = 0; qi < queries.length; qi++) {
            int row = queries[qi];
            for (int head = 0; head < heads; head++) {
                double[] qv = mrope(q[row], head * hd, hd, pos, row, sections, t.ropeTheta());
                double[] s = new double[row + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= row; j++) {
                    double[] kv = mrope(k[j], (head / group) * hd, hd, pos, j, sections, t.ropeTheta());
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += qv[e] * kv[e];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j <= row; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j <= row; j++) {
                    out[qi * len + j] += s[j] / sum / heads;
                }
            }
        }
        return out;
    }

    /** M-RoPE on one head: frequency f uses the temporal, height or width id by the section it falls in. */
    private static double[] mrope(
            double[] v, int offset, int hd, int[][] pos, int token, int[] sections, double theta) {
        double[] r = new double[hd];
        int half = hd / 2;
        for (int e = 0; e < hd; e++) {
            int f = e % half;
            int section = f < sections[0] ? 0 : f < sections[0] + sections[1] ? 1 : 2;
            double angle = pos[section][token] / Math.pow(theta, 2.0 * f / hd);
            double rotated = e < half ? -v[offset + e + half] : v[offset + e - half];
            r[e] = v[offset + e] * Math.cos(angle) + rotated * Math.sin(angle);
        }
        return r;
    }

    private static int[] range(int n) {
        return InferenceSession.range(n);
    }

    private static long[] toLong(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }
}
