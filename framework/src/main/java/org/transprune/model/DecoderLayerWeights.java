package org.transprune.model;

/**
 * One LLaMA decoder layer's weights as the forward pass reads them: two norm gains and seven
 * projections, each a {@link Weight} ({@code [out, in]}, applied as {@code x W^T}).
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
        Weight down) {

    /** All weights, in {@link org.transprune.checkpoint.CanonicalNames#decoderLayerShapes} order. */
    Weight[] all() {
        return new Weight[] {inputNorm, q, k, v, o, postAttentionNorm, gate, up, down};
    }

    static DecoderLayerWeights of(Weight[] w) {
        return new DecoderLayerWeights(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]);
    }
}
