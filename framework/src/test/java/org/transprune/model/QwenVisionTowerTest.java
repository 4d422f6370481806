package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.QwenConfig;
import org.transprune.image.QwenPixels;

/**
 * Qwen2.5-VL's vision tower against plain-Java references written here: the reference's window index
 * (padded to whole windows, as {@code get_window_index} does), the 2D rotary ids ({@code rot_pos_emb}'s
 * reshape and permute), and a whole forward pass in the original patch order where window blocks mask
 * attention to the patch's own window instead of reordering.
 */
class QwenVisionTowerTest {

    // ---- window index

    /** {@code get_window_index} for one image, transliterated: pad to whole windows with -100, permute, drop pads. */
    private static int[][] referenceWindowIndex(int h, int w, int ws) {
        int padH = ws - h % ws; // a whole extra window when h divides evenly, as the reference
        int padW = ws - w % ws;
        int nh = (h + padH) / ws;
        int nw = (w + padW) / ws;
        List<Integer> index = new ArrayList<>();
        List<Integer> cu = new ArrayList<>(List.of(0));
        for (int a = 0; a < nh; a++) {
            for (int b = 0; b < nw; b++) {
                int count = 0;
                for (int y = 0; y < ws; y++) {
                    for (int x = 0; x < ws; x++) {
                        int row = a * ws + y;
                        int col = b * ws + x;
                        if (row < h && col < w) {
                            index.add(row * w + col);
                            count++;
                        }
                    }
                }
                cu.add(cu.get(cu.size() - 1) + count);
            }
        }
        // torch.unique_consecutive over cu_window_seqlens
        List<Integer> unique = new ArrayList<>();
        for (int c : cu) {
            if (unique.isEmpty() || unique.get(unique.size() - 1) != c) {
                unique.add(c);
            }
        }
        return new int[][] {
            index.stream().mapToInt(Integer::intValue).toArray(),
            unique.stream().mapToInt(Integer::intValue).toArray()
        };
    }

    @Test
    void windowIndexMatchesTheReferenceAndItsInverseRestoresTheOrder() {
        int[][] shapes = {{4, 3}, {4, 4}, {5, 7}, {1, 1}, {8, 2}, {3, 9}};
        for (int[] s : shapes) {
            for (int ws : new int[] {2, 4}) {
                int[][] ref = referenceWindowIndex(s[0], s[1], ws);
                int[] index = QwenVisionTower.windowIndex(s[0], s[1], ws);
                assertArrayEquals(ref[0], index, s[0] + "x" + s[1] + " window " + ws);
                int[] lengths = QwenVisionTower.windowLengths(s[0], s[1], ws);
                int[] cu = new int[lengths.length + 1];
                for (int i = 0; i < lengths.length; i++) {
                    assertTrue(lengths[i] > 0, "empty window " + i);
                    cu[i + 1] = cu[i] + lengths[i];
                }
                assertArrayEquals(ref[1], cu, "window boundaries " + s[0] + "x" + s[1]);
                int[] inverse = QwenVisionTower.inverse(index);
                for (int t = 0; t < index.length; t++) {
                    assertEquals(t, index[inverse[t]], "round trip of token " + t);
                }
            }
        }
    }

    @Test
    void anEvenlyDividedGridHasOnlyFullWindows() {
        // 4 x 4 tokens in 2 x 2 windows: the reference pads a whole empty window row and column, which must vanish
        assertArrayEquals(new int[] {4, 4, 4, 4}, QwenVisionTower.windowLengths(4, 4, 2));
        assertArrayEquals(
                new int[] {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}, QwenVisionTower.windowIndex(4, 4, 2));
    }

    // ---- 2D rotary ids

    @Test
    void rotaryIdsFollowTheReferencesReshapeAndPermute() {
        for (int[] g : new int[][] {{4, 6}, {8, 2}, {2, 2}, {6, 10}}) {
            int h = g[0];
            int w = g[1];
            // hpos = arange(h)[:, None].expand(h, w).reshape(h/2, 2, w/2, 2).permute(0, 2, 1, 3).flatten()
            int[] rows = new int[h * w];
            int[] cols = new int[h * w];
            int i = 0;
            for (int a = 0; a < h / 2; a++) {
                for (int c = 0; c < w / 2; c++) {
                    for (int b = 0; b < 2; b++) {
                        for (int d = 0; d < 2; d++) {
                            // element [a, b, c, d] of the reshaped grid is pixel-row 2a + b, column 2c + d
                            rows[i] = 2 * a + b;
                            cols[i] = 2 * c + d;
                            i++;
                        }
                    }
                }
            }
            int[][] ids = QwenVisionTower.rotaryIds(h, w, 2);
            assertArrayEquals(rows, ids[0]);
            assertArrayEquals(cols, ids[1]);
        }
    }

    // ---- the whole tower

    @Test
    void towerMatchesAPlainReferenceWithWindowAndFullAttentionBlocks() {
        for (List<Integer> full : List.of(List.of(1), List.of(0, 1), List.<Integer>of())) {
            QwenConfig c = TinyQwen.config(full);
            Map<String, float[]> w = TinyQwen.weights(c, 21);
            for (int[] grid : new int[][] {{8, 6}, {8, 8}, {2, 10}}) {
                QwenPixels px = TinyQwen.pixels(c, grid[0], grid[1], 5);
                float[] engine;
                try (QwenModel model = TinyQwen.load(c, w);
                        NDManager m = NDManager.newBaseManager()) {
                    NDArray out = model.encodeImage(px, m);
                    assertEquals(grid[0] * grid[1] / 4, out.getShape().get(0));
                    engine = out.toFloatArray();
                }
                double[] ref = PlainQwenVision.forward(c, w, px);
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(
                            ref[i],
                            engine[i],
                            2e-4,
                            "full blocks " + full + ", grid " + grid[0] + "x" + grid[1] + ", value " + i);
                }
            }
        }
    }

    @Test
    void windowBlocksChangeTheOutputOnlyWhenTheImageSpansSeveralWindows() {
        QwenConfig windowed = TinyQwen.config(List.of(1));
        QwenConfig allFull = TinyQwen.config(List.of(0, 1));
        Map<String, float[]> w = TinyQwen.weights(windowed, 21);
        // 4 x 4 patches = 2 x 2 tokens: one window, so window attention is full attention
        QwenPixels one = TinyQwen.pixels(windowed, 4, 4, 9);
        QwenPixels many = TinyQwen.pixels(windowed, 8, 6, 9);
        assertArrayEquals(encode(windowed, w, one), encode(allFull, w, one), 1e-6f);
        float[] a = encode(windowed, w, many);
        float[] b = encode(allFull, w, many);
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(diff > 1e-3, "window attention should differ from full attention, max diff " + diff);
    }

    private static float[] encode(QwenConfig c, Map<String, float[]> w, QwenPixels px) {
        try (QwenModel model = TinyQwen.load(c, w);
                NDManager m = NDManager.newBaseManager()) {
            return model.encodeImage(px, m).toFloatArray();
        }
    }

    /** The vision tower in doubles, patches in the processor's order, windows as an attention mask. */
    static final class PlainQwenVision {
        private PlainQwenVision() {}

        static double[] forward(QwenConfig c, Map<String, float[]> w, QwenPixels px) {
            var v = c.vision();
            int d = v.hiddenSize();
            int heads = v.numHeads();
            int hd = d / heads;
            int m = v.intermediateSize();
            int pv = v.patchValues();
            int n = px.gridH() * px.gridW();
            double[][] x = new double[n][d];
            float[] pe = w.get(CanonicalNames.QWEN_PATCH_EMBED);
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < d; o++) {
                    double s = 0;
                    for (int k = 0; k < pv; k++) {
                        s += px.patches()[i * pv + k] * pe[o * pv + k];
                    }
                    x[i][o] = s;
                }
            }
            // patch i of the processor's order: block i / 4 (row-major over blocks), position i % 4 inside it
            int[] row = new int[n];
            int[] col = new int[n];
            int blocksPerRow = px.gridW() / 2;
            for (int i = 0; i < n; i++) {
                int block = i / 4;
                row[i] = (block / blocksPerRow) * 2 + (i % 4) / 2;
                col[i] = (block % blocksPerRow) * 2 + (i % 4) % 2;
            }
            int windowPatches = v.windowSize() / v.patchSize();
            double[][] cos = new double[n][hd];
            double[][] sin = new double[n][hd];
            for (int i = 0; i < n; i++) {
                for (int e = 0; e < hd; e++) {
                    int j = e % (hd / 2);
                    int axis = j < hd / 4 ? row[i] : col[i];
                    double f = 1.0 / Math.pow(10000, 2.0 * (j % (hd / 4)) / (hd / 2));
                    cos[i][e] = Math.cos(axis * f);
                    sin[i][e] = Math.sin(axis * f);
                }
            }
            for (int b = 0; b < v.depth(); b++) {
                String p = CanonicalNames.qwenVisionBlock(b);
                double[][] y = rms(x, w.get(p + CanonicalNames.QWEN_NORM_1));
                double[][] qkv = linear(
                        y,
                        w.get(p + CanonicalNames.QWEN_QKV + "weight"),
                        w.get(p + CanonicalNames.QWEN_QKV + "bias"),
                        3 * d);
                boolean full = v.fullAttention(b);
                double[][] att = new double[n][d];
                for (int h = 0; h < heads; h++) {
                    double[][] q = new double[n][];
                    double[][] k = new double[n][];
                    for (int i = 0; i < n; i++) {
                        q[i] = rope(qkv[i], h * hd, hd, cos[i], sin[i]);
                        k[i] = rope(qkv[i], d + h * hd, hd, cos[i], sin[i]);
                    }
                    for (int i = 0; i < n; i++) {
                        double[] s = new double[n];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < n; j++) {
                            boolean sameWindow = row[i] / windowPatches == row[j] / windowPatches
                                    && col[i] / windowPatches == col[j] / windowPatches;
                            if (!full && !sameWindow) {
                                s[j] = Double.NEGATIVE_INFINITY;
                                continue;
                            }
                            double dot = 0;
                            for (int e = 0; e < hd; e++) {
                                dot += q[i][e] * k[j][e];
                            }
                            s[j] = dot / Math.sqrt(hd);
                            max = Math.max(max, s[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < n; j++) {
                            s[j] = Math.exp(s[j] - max);
                            sum += s[j];
                        }
                        for (int j = 0; j < n; j++) {
                            for (int e = 0; e < hd; e++) {
                                att[i][h * hd + e] += s[j] / sum * qkv[j][2 * d + h * hd + e];
                            }
                        }
                    }
                }
                add(
                        x,
                        linear(
                                att,
                                w.get(p + CanonicalNames.QWEN_ATTN_OUT + "weight"),
                                w.get(p + CanonicalNames.QWEN_ATTN_OUT + "bias"),
                                d));
                double[][] y2 = rms(x, w.get(p + CanonicalNames.QWEN_NORM_2));
                double[][] g = linear(
                        y2,
                        w.get(p + CanonicalNames.QWEN_GATE + "weight"),
                        w.get(p + CanonicalNames.QWEN_GATE + "bias"),
                        m);
                double[][] u = linear(
                        y2,
                        w.get(p + CanonicalNames.QWEN_UP + "weight"),
                        w.get(p + CanonicalNames.QWEN_UP + "bias"),
                        m);
                for (int i = 0; i < n; i++) {
                    for (int e = 0; e < m; e++) {
                        g[i][e] = g[i][e] / (1 + Math.exp(-g[i][e])) * u[i][e];
                    }
                }
                add(
                        x,
                        linear(
                                g,
                                w.get(p + CanonicalNames.QWEN_DOWN + "weight"),
                                w.get(p + CanonicalNames.QWEN_DOWN + "bias"),
                                d));
            }
            double[][] normed = rms(x, w.get(CanonicalNames.QWEN_MERGER_NORM));
            int tokens = n / 4;
            double[][] merged = new double[tokens][4 * d];
            for (int t = 0; t < tokens; t++) {
                for (int u = 0; u < 4; u++) {
                    System.arraycopy(normed[4 * t + u], 0, merged[t], u * d, d);
                }
            }
            double[][] h1 = linear(
                    merged,
                    w.get(CanonicalNames.QWEN_MERGER_FC_1 + "weight"),
                    w.get(CanonicalNames.QWEN_MERGER_FC_1 + "bias"),
                    4 * d);
            for (double[] r : h1) {
                for (int e = 0; e < r.length; e++) {
                    r[e] = 0.5 * r[e] * (1 + erf(r[e] / Math.sqrt(2)));
                }
            }
            double[][] out = linear(
                    h1,
                    w.get(CanonicalNames.QWEN_MERGER_FC_2 + "weight"),
                    w.get(CanonicalNames.QWEN_MERGER_FC_2 + "bias"),
                    v.outHiddenSize());
            double[] flat = new double[tokens * v.outHiddenSize()];
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(out[t], 0, flat, t * v.outHiddenSize(), v.outHiddenSize());
            }
            return flat;
        }

        private static double[] rope(double[] src, int offset, int hd, double[] cos, double[] sin) {
            double[] r = new double[hd];
            for (int e = 0; e < hd; e++) {
                double rotated = e < hd / 2 ? -src[offset + e + hd / 2] : src[offset + e - hd / 2];
                r[e] = src[offset + e] * cos[e] + rotated * sin[e];
            }
            return r;
        }

        static double[][] rms(double[][] x, float[] gain) {
            double[][] out = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                double ms = 0;
                for (double a : x[i]) {
                    ms += a * a;
                }
                double scale = 1 / Math.sqrt(ms / x[i].length + 1e-6);
                out[i] = new double[x[i].length];
                for (int e = 0; e < x[i].length; e++) {
                    out[i][e] = x[i][e] * scale * gain[e];
                }
            }
            return out;
        }

        static double[][] linear(double[][] x, float[] weight, float[] bias, int outDim) {
            int in = x[0].length;
            double[][] y = new double[x.length][outDim];
            for (int i = 0; i < x.length; i++) {
                for (int o = 0; o < outDim; o++) {
                    double s = bias == null ? 0 : bias[o];
                    for (int k = 0; k < in; k++) {
                        s += x[i][k] * weight[o * in + k];
                    }
                    y[i][o] = s;
                }
            }
            return y;
        }

        private static void add(double[][] x, double[][] y) {
            for (int i = 0; i < x.length; i++) {
                for (int e = 0; e < x[i].length; e++) {
                    x[i][e] += y[i][e];
                }
            }
        }

        /** erf to about 1e-12 (series for small |x|, continued fraction via erfc otherwise). */
        static double erf(double x) {
            double ax = Math.abs(x);
            double r;
            if (ax < 2.5) {
                double term = ax;
                double sum = ax;
                for (int k = 1; k < 100; k++) {
                    term *= -ax * ax / k;
                    sum += term / (2 * k + 1);
                }
                r = 2 / Math.sqrt(Math.PI) * sum;
            } else {
                // Lentz continued fraction for erfc
                double f = ax;
                for (int k = 60; k >= 1; k--) {
                    f = ax + (k / 2.0) / f;
                }
                r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
            }
            return x < 0 ? -r : r;
        }
    }
}
