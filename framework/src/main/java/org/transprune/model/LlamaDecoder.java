package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.TensorSource;
import org.transprune.config.TextConfig;

/**
 * The LLaMA decoder: RMSNorm, RoPE attention with grouped KV heads, SwiGLU MLP. Prefill runs the
 * layers in one loop where the pruning points are visible: at each boundary the hooks may
 * observe and shrink the image block before the next layer runs.
 */
final class LlamaDecoder {
    private final TextConfig config;
    private final NDArray embedTokens; // [V, d], or null when held as a StoredMatrix
    private final NDArray finalNorm;
    private final NDArray lmHeadT; // [d, V], or null when held as a StoredMatrix
    private final StoredMatrix storedEmbeddings;
    private final StoredMatrix storedLmHead;
    private final DecoderWeightStore layers;
    private final Rope rope;
    private final float eps;

    /** What one prefill produced. */
    record Prefill(NDArray lastHidden, TokenLayout layout, int[] tokensPerLayer, long hookNanos) {}

    LlamaDecoder(TextConfig config, TensorSource src, WeightPolicy policy, int residentLayers, NDManager m) {
        this.config = config;
        int d = config.hiddenSize();
        finalNorm = src.fp32(CanonicalNames.FINAL_NORM, m, d);
        String head = config.tieWordEmbeddings() ? CanonicalNames.EMBED_TOKENS : CanonicalNames.LM_HEAD;
        if (policy == WeightPolicy.HALF) {
            // Half-resident: embeddings and LM head stay in their stored precision too (1 GB of fp32 at 7B).
            embedTokens = null;
            lmHeadT = null;
            storedEmbeddings = new StoredMatrix(src, CanonicalNames.EMBED_TOKENS, config.vocabSize(), d);
            storedLmHead = new StoredMatrix(src, head, config.vocabSize(), d);
        } else {
            embedTokens = src.fp32(CanonicalNames.EMBED_TOKENS, m, config.vocabSize(), d);
            lmHeadT = config.tieWordEmbeddings()
                    ? embedTokens.transpose()
                    : src.fp32(CanonicalNames.LM_HEAD, m, config.vocabSize(), d).transpose();
            storedEmbeddings = null;
            storedLmHead = null;
        }
        layers = new DecoderWeightStore(config, src, policy, residentLayers, m);
        rope = new Rope(m, config.headDim(), config.maxPositionEmbeddings(), config.ropeTheta());
        eps = (float) config.rmsNormEps();
    }

    DecoderWeightStore weights() {
        return layers;
    }

    /** Token embeddings {@code [ids, d]} in {@code step}. */
    NDArray embed(int[] ids, NDManager step) {
        for (int id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary of " + config.vocabSize());
            }
        }
        if (storedEmbeddings != null) {
            return storedEmbeddings.rows(ids, step);
        }
        NDArray e = embedTokens.get(Upload.longs(step, ids));
        e.attach(step);
        return e;
    }

    /** Next-token logits {@code [vocab]} from the last hidden state {@code [1, d]}. */
    float[] logits(NDArray lastHidden) {
        NDArray x = Functional.rmsNorm(lastHidden, finalNorm, eps);
        if (storedLmHead != null) {
            return storedLmHead.multiplyTransposed(x, x.getManager()).toFloatArray();
        }
        return x.matMul(lmHeadT).toFloatArray();
    }

    /**
     * Runs every layer over {@code inputs [L, d]} at {@code positions}, filling {@code cache}.
     *
     * @return the last token's final hidden state and what the hooks did
     */
    Prefill prefill(
            NDArray inputs, int[] positions, TokenLayout layout, ForwardHooks hooks, KvCache cache, NDManager step) {
        int n = config.numLayers();
        NDArray h = inputs;
        int[] pos = positions.clone();
        NDArray posArr = Upload.longs(step, pos);
        NDArray[] cs = rope.tables(posArr);
        NDArray mask = Functional.causalMask(step, layout.length(), layout.length());
        int[] tokensPerLayer = new int[n];
        long hookNanos = 0;
        for (int layer = 1; layer <= n; layer++) {
            // Each layer's activations live in their own manager (results join their first operand's
            // manager, so moving h there moves the whole layer); only the new h survives the layer.
            // Kept in the prefill's manager instead, a 7B prefill at 638 tokens held ~0.25 GB of dead
            // activations per layer, 8 GB over 32 layers.
            try (NDManager layerScope = step.newSubManager();
                    DecoderWeightStore.Layer lw = layers.layer(layer - 1, step)) {
                h.attach(layerScope);
                DecoderLayerWeights w = lw.weights;
                // Boundary before this layer: observe with this layer's projections, then maybe prune.
                long t0 = System.nanoTime();
                if (hooks.attention() != null) {
                    int[] queries = hooks.attention().attentionQueries(layer, layout);
                    if (queries != null) {
                        NDArray probs = attentionRows(w, h, queries, pos, cs, step);
                        hooks.attention().onAttention(layer, queries, probs, layout);
                    }
                }
                int[] keep = hooks.pruner() == null ? null : hooks.pruner().keep(layer - 1, layout);
                if (keep != null) {
                    checkKeep(keep, layout, layer - 1);
                    int[] rows = layout.rowsKept(keep);
                    h = h.get(Upload.longs(step, rows));
                    pos = hooks.positions() == PositionPolicy.RENUMBER
                            ? InferenceSession.range(rows.length)
                            : select(pos, rows);
                    layout = layout.keep(keep);
                    posArr = Upload.longs(step, pos);
                    cs = rope.tables(posArr);
                    mask = Functional.causalMask(step, layout.length(), layout.length());
                }
                hookNanos += System.nanoTime() - t0;
                tokensPerLayer[layer - 1] = layout.length();
                boolean observe =
                        hooks.transitions() != null && hooks.transitions().observesTransitions(layer);
                // The layer itself: h + Attn(norm(h)), then + MLP(norm(.)).
                NDArray x = Functional.rmsNorm(h, w.inputNorm(), eps);
                NDArray attn = selfAttention(w, x, cs, mask, cache, layer - 1, pos[pos.length - 1]);
                if (observe) {
                    long t1 = System.nanoTime();
                    hooks.transitions().onTransition(layer, SubLayer.ATTENTION, x, attn, layout);
                    hookNanos += System.nanoTime() - t1;
                }
                h = h.add(attn);
                NDArray x2 = Functional.rmsNorm(h, w.postAttentionNorm(), eps);
                NDArray mlp = mlp(w, x2);
                if (observe) {
                    long t1 = System.nanoTime();
                    hooks.transitions().onTransition(layer, SubLayer.FFN, x2, mlp, layout);
                    hookNanos += System.nanoTime() - t1;
                }
                h = h.add(mlp);
                h.attach(step);
            }
        }
        return new Prefill(h.get("-1:"), layout, tokensPerLayer, hookNanos);
    }

    /** One decoding step for {@code x [1, d]}; returns the final hidden state {@code [1, d]}. */
    NDArray decode(NDArray x0, KvCache cache, NDManager step) {
        NDArray h = x0;
        for (int layer = 1; layer <= config.numLayers(); layer++) {
            try (NDManager layerScope = step.newSubManager();
                    DecoderWeightStore.Layer lw = layers.layer(layer - 1, step)) {
                h.attach(layerScope);
                DecoderLayerWeights w = lw.weights;
                int p = cache.nextPosition(layer - 1);
                NDArray[] cs = rope.tables(Upload.longs(step, new int[] {p}));
                NDArray x = Functional.rmsNorm(h, w.inputNorm(), eps);
                h = h.add(selfAttention(w, x, cs, null, cache, layer - 1, p));
                h = h.add(mlp(w, Functional.rmsNorm(h, w.postAttentionNorm(), eps)));
                h.attach(step);
            }
        }
        return h;
    }

    /** Attention of the new tokens {@code x [n, d]}; appends their K/V to the cache first. */
    private NDArray selfAttention(
            DecoderLayerWeights w,
            NDArray x,
            NDArray[] cs,
            NDArray mask,
            KvCache cache,
            int layerIndex,
            int lastPosition) {
        long n = x.getShape().get(0);
        int heads = config.numHeads();
        int kvHeads = config.numKeyValueHeads();
        int hd = config.headDim();
        NDArray q = rope.apply(x.matMul(w.qT()).reshape(n, heads, hd).transpose(1, 0, 2), cs);
        NDArray k = rope.apply(x.matMul(w.kT()).reshape(n, kvHeads, hd).transpose(1, 0, 2), cs);
        NDArray v = x.matMul(w.vT()).reshape(n, kvHeads, hd).transpose(1, 0, 2);
        cache.append(layerIndex, k, v, lastPosition);
        NDManager scope = x.getManager();
        NDArray out = Functional.attention(q, cache.keys(layerIndex, scope), cache.values(layerIndex, scope), mask);
        return out.transpose(1, 0, 2).reshape(n, (long) heads * hd).matMul(w.oT());
    }

    private static NDArray mlp(DecoderLayerWeights w, NDArray x) {
        return Functional.silu(x.matMul(w.gateT())).muli(x.matMul(w.upT())).matMul(w.downT());
    }

    /**
     * Head-averaged causal attention {@code [queries, L]} of the chosen rows, with this layer's
     * input norm, q/k projections and RoPE applied to {@code h} (spec section 3).
     */
    private NDArray attentionRows(
            DecoderLayerWeights w, NDArray h, int[] queries, int[] pos, NDArray[] cs, NDManager step) {
        int length = pos.length;
        int heads = config.numHeads();
        int hd = config.headDim();
        NDArray x = Functional.rmsNorm(h, w.inputNorm(), eps);
        NDArray rows = Upload.longs(step, queries);
        NDArray[] qcs = {cs[0].get(rows), cs[1].get(rows)};
        NDArray q = rope.apply(
                x.get(rows).matMul(w.qT()).reshape(queries.length, heads, hd).transpose(1, 0, 2), qcs);
        NDArray k = rope.apply(
                x.matMul(w.kT()).reshape(length, config.numKeyValueHeads(), hd).transpose(1, 0, 2), cs);
        float[] m = new float[queries.length * length];
        for (int i = 0; i < queries.length; i++) {
            if (queries[i] < 0 || queries[i] >= length) {
                throw new IllegalArgumentException(
                        "attention query row " + queries[i] + " is outside 0.." + (length - 1));
            }
            for (int j = queries[i] + 1; j < length; j++) {
                m[i * length + j] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray probs =
                Functional.attentionProbabilities(q, k, Upload.floats(step, m, new Shape(queries.length, length)));
        return probs.reshape(heads, queries.length, length).mean(new int[] {0});
    }

    private static void checkKeep(int[] keep, TokenLayout layout, int afterLayer) {
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] < 0 || keep[i] >= layout.imageLength() || (i > 0 && keep[i] <= keep[i - 1])) {
                throw new IllegalStateException("prune decision after layer " + afterLayer
                        + " must list strictly increasing indices in 0.." + (layout.imageLength() - 1)
                        + "; got index " + keep[i] + " at position " + i);
            }
        }
    }

    private static int[] select(int[] values, int[] rows) {
        int[] r = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            r[i] = values[rows[i]];
        }
        return r;
    }
}
