package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.transprune.config.TextConfig;

/**
 * The LLaMA decoder (and Qwen2: q/k/v biases, multimodal RoPE with three position ids per token):
 * RMSNorm, RoPE attention with grouped KV heads, SwiGLU MLP. Prefill runs the
 * layers in one loop where the pruning points are visible: at each boundary the hooks may
 * observe and shrink the image block before the next layer runs.
 */
final class LlamaDecoder {
    private final TextConfig config;
    private final DecoderWeights weights;
    private final Rope rope;
    private final float eps;
    /** M-RoPE sections (temporal, height, width) for Qwen2-VL-style decoders, or null for plain RoPE. */
    private final int[] mropeSections;

    /** What one prefill produced. */
    record Prefill(NDArray lastHidden, TokenLayout layout, int[] tokensPerLayer, long hookNanos) {}

    LlamaDecoder(TextConfig config, DecoderWeights weights, NDManager m) {
        this(config, weights, m, null);
    }

    /**
     * A decoder with multimodal rotary positions (Qwen2.5-VL) when {@code mropeSections} is given: prefill
     * then takes three position ids per token ({@link #prefill(NDArray, int[][], TokenLayout, ForwardHooks,
     * KvCache, NDManager)}).
     */
    LlamaDecoder(TextConfig config, DecoderWeights weights, NDManager m, int[] mropeSections) {
        this.mropeSections = mropeSections == null ? null : mropeSections.clone();
        this.config = config;
        this.weights = weights;
        rope = new Rope(
                m,
                config.headDim(),
                config.maxPositionEmbeddings(),
                config.ropeTheta(),
                weights.dtype().dataType());
        eps = (float) config.rmsNormEps();
    }

    DecoderWeights weights() {
        return weights;
    }

    /** Token embeddings {@code [ids, d]} in {@code step}. */
    NDArray embed(int[] ids, NDManager step) {
        for (int id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary of " + config.vocabSize());
            }
        }
        return weights.embeddings().rows(ids, step);
    }

    /** Next-token logits {@code [vocab]} from the last hidden state {@code [1, d]}. */
    float[] logits(NDArray lastHidden) {
        NDArray x = Functional.rmsNorm(lastHidden, weights.finalNorm(), eps);
        return Precision.fp32(weights.lmHead().multiply(x)).toFloatArray();
    }

    /**
     * Runs every layer over {@code inputs [L, d]} at {@code positions}, filling {@code cache}.
     *
     * @return the last token's final hidden state and what the hooks did
     */
    Prefill prefill(
            NDArray inputs, int[] positions, TokenLayout layout, ForwardHooks hooks, KvCache cache, NDManager step) {
        return prefill(inputs, positions, null, layout, hooks, cache, step);
    }

    /**
     * Runs every layer over {@code inputs [L, d]} with three position ids per token (temporal, height, width;
     * M-RoPE). Pruned tokens take their ids with them: survivors keep their original ids whatever the hooks'
     * position policy, and decoding continues after the last prompt token's id (docs/qwen2.5-vl.md).
     *
     * @param positions {@code [3][L]} position ids
     */
    Prefill prefill(
            NDArray inputs, int[][] positions, TokenLayout layout, ForwardHooks hooks, KvCache cache, NDManager step) {
        if (mropeSections == null) {
            throw new IllegalStateException("this decoder uses plain RoPE: give one position id per token");
        }
        if (positions.length != 3) {
            throw new IllegalArgumentException("M-RoPE needs 3 position ids per token, got " + positions.length);
        }
        int[] last = new int[positions[0].length];
        for (int i = 0; i < last.length; i++) {
            last[i] = Math.max(positions[0][i], Math.max(positions[1][i], positions[2][i]));
        }
        return prefill(inputs, last, positions, layout, hooks, cache, step);
    }

    private Prefill prefill(
            NDArray inputs,
            int[] positions,
            int[][] multimodal,
            TokenLayout layout,
            ForwardHooks hooks,
            KvCache cache,
            NDManager step) {
        int n = config.numLayers();
        NDArray h = inputs;
        int[] pos = positions.clone();
        int[][] mpos = multimodal == null ? null : new int[][] {multimodal[0], multimodal[1], multimodal[2]};
        NDArray posArr = Upload.longs(step, pos);
        NDArray[] cs = mpos == null ? rope.tables(posArr) : multimodalTables(mpos, step);
        NDArray mask = Functional.causalMask(step, layout.length(), layout.length());
        int[] tokensPerLayer = new int[n];
        long hookNanos = 0;
        for (int layer = 1; layer <= n; layer++) {
            // Each layer's activations live in their own manager (results join their first operand's
            // manager, so moving h there moves the whole layer); only the new h survives the layer.
            // Kept in the prefill's manager instead, a 7B prefill at 638 tokens held ~0.25 GB of dead
            // activations per layer, 8 GB over 32 layers.
            try (NDManager layerScope = step.newSubManager();
                    DecoderWeights.Layer lw = weights.layer(layer - 1, step)) {
                h.attach(layerScope);
                DecoderLayerWeights w = lw.weights;
                // Boundary before this layer: observe with this layer's projections, then maybe prune.
                long t0 = System.nanoTime();
                if (hooks.hiddenStates() != null && hooks.hiddenStates().observesHiddenState(layer)) {
                    hooks.hiddenStates().onHiddenState(layer, h, layout);
                }
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
                    pos = hooks.positions() == PositionPolicy.RENUMBER && mpos == null
                            ? InferenceSession.range(rows.length)
                            : select(pos, rows);
                    layout = layout.keep(keep);
                    posArr = Upload.longs(step, pos);
                    if (mpos == null) {
                        cs = rope.tables(posArr);
                    } else {
                        mpos = new int[][] {select(mpos[0], rows), select(mpos[1], rows), select(mpos[2], rows)};
                        cs = multimodalTables(mpos, step);
                    }
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

    private NDArray[] multimodalTables(int[][] mpos, NDManager step) {
        return rope.tables(
                new NDArray[] {Upload.longs(step, mpos[0]), Upload.longs(step, mpos[1]), Upload.longs(step, mpos[2])},
                mropeSections);
    }

    /** One decoding step for {@code x [1, d]}; returns the final hidden state {@code [1, d]}. */
    NDArray decode(NDArray x0, KvCache cache, NDManager step) {
        NDArray h = x0;
        for (int layer = 1; layer <= config.numLayers(); layer++) {
            try (NDManager layerScope = step.newSubManager();
                    DecoderWeights.Layer lw = weights.layer(layer - 1, step)) {
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
        NDArray q = rope.apply(w.queries(x).reshape(n, heads, hd).transpose(1, 0, 2), cs);
        NDArray k = rope.apply(w.keys(x).reshape(n, kvHeads, hd).transpose(1, 0, 2), cs);
        NDArray v = w.values(x).reshape(n, kvHeads, hd).transpose(1, 0, 2);
        cache.append(layerIndex, k, v, lastPosition);
        NDManager scope = x.getManager();
        NDArray out = Functional.attention(q, cache.keys(layerIndex, scope), cache.values(layerIndex, scope), mask);
        out = out.transpose(1, 0, 2).reshape(n, (long) heads * hd);
        return w.o().multiply(out);
    }

    private static NDArray mlp(DecoderLayerWeights w, NDArray x) {
        return w.down().multiply(Functional.silu(w.gate().multiply(x)).muli(w.up().multiply(x)));
    }

    /**
     * Head-averaged causal attention {@code [queries, L]} of the chosen rows, with this layer's
     * input norm, q/k projections and RoPE applied to {@code h} (docs/method.md#iga).
     */
    private NDArray attentionRows(
            DecoderLayerWeights w, NDArray h, int[] queries, int[] pos, NDArray[] cs, NDManager step) {
        int length = pos.length;
        int heads = config.numHeads();
        int hd = config.headDim();
        NDArray x = Functional.rmsNorm(h, w.inputNorm(), eps);
        NDArray rows = Upload.longs(step, queries);
        NDArray[] qcs = {cs[0].get(rows), cs[1].get(rows)};
        // with the q/k biases when the layer has them (Qwen2), as its own attention does
        NDArray q = rope.apply(
                w.queries(x.get(rows)).reshape(queries.length, heads, hd).transpose(1, 0, 2), qcs);
        NDArray k = rope.apply(
                w.keys(x).reshape(length, config.numKeyValueHeads(), hd).transpose(1, 0, 2), cs);
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
