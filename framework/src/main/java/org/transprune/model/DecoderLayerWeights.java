package org.transprune.model;

import ai.djl.ndarray.NDArray;

/**
 * One LLaMA decoder layer's fp32 weights. Projections are held transposed ({@code [in, out]}
 * views of the checkpoint's {@code [out, in]} matrices) so that {@code x.matMul(w)} needs no
 * per-call transpose; libtorch multiplies the strided view at full speed.
 */
public record DecoderLayerWeights(
        NDArray inputNorm,
        NDArray qT,
        NDArray kT,
        NDArray vT,
        NDArray oT,
        NDArray postAttentionNorm,
        NDArray gateT,
        NDArray upT,
        NDArray downT) {

    /** All arrays, for closing or accounting. */
    public NDArray[] all() {
        return new NDArray[] {inputNorm, qT, kT, vT, oT, postAttentionNorm, gateT, upT, downT};
    }
}
