package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.InMemoryTensorSource;
import org.transprune.checkpoint.RandomLlavaWeights;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;

/** What observers receive, and that nothing is delivered to layers nobody observes. */
class ObservationHooksTest {

    @Test
    void transitionsArriveOnlyForObservedLayersInOrderWithCurrentShapes() {
        List<String> calls = new ArrayList<>();
        TransitionObserver observer = new TransitionObserver() {
            @Override
            public boolean observesTransitions(int layer) {
                return layer == 2 || layer == 4;
            }

            @Override
            public void onTransition(int layer, SubLayer s, NDArray before, NDArray after, TokenLayout layout) {
                assertEquals(before.getShape(), after.getShape());
                assertEquals(layout.length(), before.getShape().get(0));
                calls.add(layer + ":" + s + ":" + before.getShape().get(0));
            }
        };
        PruneDecider prune = (layer, layout) -> layer == 3 ? new int[] {0, 1, 2, 3} : null;
        try (LlavaModel model = TinyModels.load(1);
                InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 2), s.manager());
            int[] ids = TinyModels.prompt(2, 16, 4, 9);
            s.prefill(ids, 2, image, null, new ForwardHooks(observer, null, prune, PositionPolicy.RENUMBER));
        }
        assertEquals(List.of("2:ATTENTION:22", "2:FFN:22", "4:ATTENTION:10", "4:FFN:10"), calls);
    }

    @Test
    void attentionInputIsTheNormalisedResidualStream() {
        LlavaConfig config = TinyModels.config();
        InMemoryTensorSource weights = RandomLlavaWeights.generate(config, 4);
        float[] gain = floats(weights, CanonicalNames.decoderLayer(0) + "input_layernorm.weight");
        List<float[]> before = new ArrayList<>();
        TransitionObserver observer = new TransitionObserver() {
            @Override
            public boolean observesTransitions(int layer) {
                return layer == 1;
            }

            @Override
            public void onTransition(int layer, SubLayer s, NDArray b, NDArray a, TokenLayout layout) {
                if (s == SubLayer.ATTENTION) {
                    before.add(b.toFloatArray());
                }
            }
        };
        try (LlavaModel model = LlavaModel.load(config, weights, Device.cpu(), WeightPolicy.FP32);
                InferenceSession s = model.newSession()) {
            s.prefill(
                    new int[] {5, 6, 7},
                    0,
                    null,
                    null,
                    new ForwardHooks(observer, null, null, PositionPolicy.RENUMBER));
        }
        float[] b = before.get(0);
        float[] emb = floats(weights, CanonicalNames.EMBED_TOKENS);
        int d = config.text().hiddenSize();
        int[] ids = {5, 6, 7};
        for (int row = 0; row < 3; row++) {
            double ms = 0;
            double inputMs = 0;
            for (int j = 0; j < d; j++) {
                double unscaled = b[row * d + j] / gain[j];
                ms += unscaled * unscaled / d;
                inputMs += Math.pow(emb[ids[row] * d + j], 2) / d;
            }
            // x / sqrt(mean(x^2) + eps) has mean square mean(x^2) / (mean(x^2) + eps)
            assertEquals(inputMs / (inputMs + config.text().rmsNormEps()), ms, 1e-5, "mean square of row " + row);
        }
    }

    @Test
    void attentionRowsMatchAnIndependentComputationFromTheWeights() {
        LlavaConfig config = TinyModels.config();
        InMemoryTensorSource weights = RandomLlavaWeights.generate(config, 8);
        int[] ids = {3, 14, 15, 92, 65, 35};
        int[] queries = {5, 2};
        float[][] got = new float[1][];
        AttentionObserver observer = new AttentionObserver() {
            @Override
            public int[] attentionQueries(int layer, TokenLayout layout) {
                return layer == 1 ? queries : null;
            }

            @Override
            public void onAttention(int layer, int[] q, NDArray probs, TokenLayout layout) {
                assertEquals(1, layer);
                got[0] = probs.toFloatArray();
            }
        };
        try (LlavaModel model = LlavaModel.load(config, weights, Device.cpu(), WeightPolicy.FP32);
                InferenceSession s = model.newSession()) {
            s.prefill(ids, 0, null, null, new ForwardHooks(null, observer, null, PositionPolicy.RENUMBER));
        }
        float[] expected = naiveAttentionRows(config.text(), weights, ids, queries);
        assertArrayEquals(expected, got[0], 1e-5f);
        for (int r = 0; r < queries.length; r++) {
            double sum = 0;
            for (int j = 0; j < ids.length; j++) {
                sum += got[0][r * ids.length + j];
            }
            assertEquals(1.0, sum, 1e-5);
        }
        assertEquals(0f, got[0][1 * ids.length + 3], "query 2 cannot see key 3");
    }

    /** IGA rows (docs/method.md#iga) with plain loops: norm, q/k projections, RoPE, causal softmax, mean over heads. */
    private static float[] naiveAttentionRows(TextConfig t, InMemoryTensorSource w, int[] ids, int[] queries) {
        int d = t.hiddenSize();
        int hd = t.headDim();
        int heads = t.numHeads();
        int group = heads / t.numKeyValueHeads();
        float[] emb = floats(w, CanonicalNames.EMBED_TOKENS);
        String p = CanonicalNames.decoderLayer(0);
        float[] gain = floats(w, p + "input_layernorm.weight");
        float[] wq = floats(w, p + "self_attn.q_proj.weight");
        float[] wk = floats(w, p + "self_attn.k_proj.weight");
        int len = ids.length;
        double[][] x = new double[len][d];
        for (int i = 0; i < len; i++) {
            double ms = 0;
            for (int j = 0; j < d; j++) {
                ms += Math.pow(emb[ids[i] * d + j], 2) / d;
            }
            for (int j = 0; j < d; j++) {
                x[i][j] = emb[ids[i] * d + j] / Math.sqrt(ms + t.rmsNormEps()) * gain[j];
            }
        }
        double[][] q = rope(project(x, wq, heads * hd), heads, hd, t.ropeTheta());
        double[][] k = rope(project(x, wk, t.numKeyValueHeads() * hd), t.numKeyValueHeads(), hd, t.ropeTheta());
        float[] out = new float[queries.length * len];
        for (int r = 0; r < queries.length; r++) {
            int qi = queries[r];
            for (int h = 0; h < heads; h++) {
                double[] s = new double[qi + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= qi; j++) {
                    double dot = 0;
                    for (int c = 0; c < hd; c++) {
                        dot += q[qi][h * hd + c] * k[j][(h / group) * hd + c];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j <= qi; j++) {
                    z += Math.exp(s[j] - max);
                }
                for (int j = 0; j <= qi; j++) {
                    out[r * len + j] += (float) (Math.exp(s[j] - max) / z / heads);
                }
            }
        }
        return out;
    }

    private static double[][] project(double[][] x, float[] wOutIn, int out) {
        int d = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double acc = 0;
                for (int j = 0; j < d; j++) {
                    acc += x[i][j] * wOutIn[o * d + j];
                }
                y[i][o] = acc;
            }
        }
        return y;
    }

    private static double[][] rope(double[][] x, int heads, int hd, double theta) {
        double[][] y = new double[x.length][x[0].length];
        for (int pos = 0; pos < x.length; pos++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < hd / 2; i++) {
                    double a = pos / Math.pow(theta, 2.0 * i / hd);
                    double x1 = x[pos][h * hd + i];
                    double x2 = x[pos][h * hd + i + hd / 2];
                    y[pos][h * hd + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                    y[pos][h * hd + i + hd / 2] = x2 * Math.cos(a) + x1 * Math.sin(a);
                }
            }
        }
        return y;
    }

    static float[] floats(InMemoryTensorSource w, String name) {
        FloatBuffer fb = w.bytes(name).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] v = new float[fb.remaining()];
        fb.get(v);
        assertTrue(v.length > 0);
        return v;
    }
}
