package org.transprune.model;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer's weights as the forward pass reads them: two norm gains and seven
 * projections, each a {@link Weight} ({@code [out, in]}, applied as {@code x W^T}), and for Qwen2 the
 * q/k/v biases (null for LLaMA, which has none).
 */
record DecoderLayerWeights(
        Weight inputNorm,
        Weight q,
        Weight k,
        Weight v,
        Weight o,
        Weight postAttentionNorm,
        Weight gate,
        Weight up,
        Weight down,
        Weight qBias,
        Weight kBias,
        Weight vBias) {

    /** A LLaMA layer (no biases). */
    DecoderLayerWeights(
            Weight inputNorm,
            Weight q,
            Weight k,
            Weight v,
            Weight o,
            Weight postAttentionNorm,
            Weight gate,
            Weight up,
            Weight down) {
        this(inputNorm, q, k, v, o, postAttentionNorm, gate, up, down, null, null, null);
    }

    /** Whether the q/k/v projections have biases (Qwen2). */
    boolean hasBias() {
        return qBias != null;
    }

    /**
     * All weights, in {@link org.transprune.checkpoint.CanonicalNames#decoderLayerShapes(org.transprune.config.TextConfig,
     * boolean)} order: the nine of a LLaMA layer, then the three biases when present.
     */
    Weight[] all() {
        return hasBias()
                ? new Weight[] {inputNorm, q, k, v, o, postAttentionNorm, gate, up, down, qBias, kBias, vBias}
                : new Weight[] {inputNorm, q, k, v, o, postAttentionNorm, gate, up, down};
    }

    static DecoderLayerWeights of(Weight[] w) {
        return w.length == 12
                ? new DecoderLayerWeights(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11])
                : new DecoderLayerWeights(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]);
    }

    /** {@code x W_q^T}, plus the bias when there is one. */
    NDArray queries(NDArray x) {
        return withBias(q.multiply(x), qBias);
    }

    /** {@code x W_k^T}, plus the bias when there is one. */
    NDArray keys(NDArray x) {
        return withBias(k.multiply(x), kBias);
    }

    /** {@code x W_v^T}, plus the bias when there is one. */
    NDArray values(NDArray x) {
        return withBias(v.multiply(x), vBias);
    }

    private static NDArray withBias(NDArray y, Weight bias) {
        return bias == null ? y : bias.plus(y);
    }
}
