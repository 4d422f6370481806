package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Norms, RoPE and attention against straightforward Java computations on small arrays. */
class FunctionalTest {
    private static final SplittableRandom R = new SplittableRandom(7);

    private static float[] randn(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) R.nextGaussian();
        }
        return v;
    }

    @Test
    void rmsNormMatchesDefinition() {
        int rows = 3;
        int d = 8;
        float[] x = randn(rows * d);
        float[] w = randn(d);
        float eps = 1e-6f;
        float[] expected = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int j = 0; j < d; j++) {
                ss += x[r * d + j] * x[r * d + j];
            }
            double inv = 1 / Math.sqrt(ss / d + eps);
            for (int j = 0; j < d; j++) {
                expected[r * d + j] = (float) (x[r * d + j] * inv * w[j]);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = Functional.rmsNorm(m.create(x, new Shape(rows, d)), m.create(w), eps)
                    .toFloatArray();
            assertArrayEquals(expected, got, 1e-5f);
        }
    }

    @Test
    void layerNormMatchesDefinition() {
        int d = 6;
        float[] x = randn(2 * d);
        float[] g = randn(d);
        float[] b = randn(d);
        float[] expected = new float[2 * d];
        for (int r = 0; r < 2; r++) {
            double mean = 0;
            for (int j = 0; j < d; j++) {
                mean += x[r * d + j] / d;
            }
            double var = 0;
            for (int j = 0; j < d; j++) {
                var += Math.pow(x[r * d + j] - mean, 2) / d;
            }
            for (int j = 0; j < d; j++) {
                expected[r * d + j] = (float) ((x[r * d + j] - mean) / Math.sqrt(var + 1e-5) * g[j] + b[j]);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = Functional.layerNorm(m.create(x, new Shape(2, d)), m.create(g), m.create(b), 1e-5f)
                    .toFloatArray();
            assertArrayEquals(expected, got, 1e-5f);
        }
    }

    @Test
    void ropeRotatesPairsOfHalves() {
        int heads = 2;
        int len = 3;
        int hd = 4;
        double theta = 10000;
        float[] x = randn(heads * len * hd);
        int[] positions = {0, 5, 9};
        float[] expected = new float[x.length];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < len; t++) {
                int o = (h * len + t) * hd;
                for (int i = 0; i < hd / 2; i++) {
                    double a = positions[t] / Math.pow(theta, 2.0 * i / hd);
                    double x1 = x[o + i];
                    double x2 = x[o + i + hd / 2];
                    expected[o + i] = (float) (x1 * Math.cos(a) - x2 * Math.sin(a));
                    expected[o + i + hd / 2] = (float) (x2 * Math.cos(a) + x1 * Math.sin(a));
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Rope rope = new Rope(m, hd, 16, theta);
            NDArray[] cs = rope.tables(m.create(new long[] {0, 5, 9}));
            float[] got = rope.apply(m.create(x, new Shape(heads, len, hd)), cs).toFloatArray();
            assertArrayEquals(expected, got, 1e-5f);
        }
    }

    @Test
    void groupedCausalAttentionMatchesNaiveLoops() {
        int heads = 4;
        int kv = 2;
        int len = 5;
        int hd = 3;
        float[] q = randn(heads * len * hd);
        float[] k = randn(kv * len * hd);
        float[] v = randn(kv * len * hd);
        float[] expected = new float[heads * len * hd];
        for (int h = 0; h < heads; h++) {
            int g = h / (heads / kv); // query head h reads kv head h / group
            for (int i = 0; i < len; i++) {
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int c = 0; c < hd; c++) {
                        dot += q[(h * len + i) * hd + c] * k[(g * len + j) * hd + c];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int c = 0; c < hd; c++) {
                    double acc = 0;
                    for (int j = 0; j <= i; j++) {
                        acc += s[j] / z * v[(g * len + j) * hd + c];
                    }
                    expected[(h * len + i) * hd + c] = (float) acc;
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray out = Functional.attention(
                    m.create(q, new Shape(heads, len, hd)),
                    m.create(k, new Shape(kv, len, hd)),
                    m.create(v, new Shape(kv, len, hd)),
                    Functional.causalMask(m, len, len));
            assertEquals(new Shape(heads, len, hd), out.getShape());
            assertArrayEquals(expected, out.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void causalMaskForTrailingRowsLetsEachRowSeeItsPrefix() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] mask = Functional.causalMask(m, 2, 4).toFloatArray();
            float ninf = Float.NEGATIVE_INFINITY;
            assertArrayEquals(new float[] {0, 0, 0, ninf, 0, 0, 0, 0}, mask);
        }
    }

    @Test
    void patchRowsFollowConvolutionWeightOrder() {
        int size = 4;
        int p = 2;
        float[] chw = new float[3 * size * size];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = i;
        }
        float[] rows = VisionTower.patchRows(chw, size, p);
        // patch (row 0, col 1): channel 0 rows y=0,1 at x=2,3, then channel 1, channel 2
        float[] expected = {2, 3, 6, 7, 18, 19, 22, 23, 34, 35, 38, 39};
        float[] got = Arrays.copyOfRange(rows, 12, 24);
        assertArrayEquals(expected, got);
    }
}
