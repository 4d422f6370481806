package org.transprune.model;

import ai.djl.ndarray.NDArray;

/**
 * Asks for attention rows of chosen queries (docs/method.md#decoder-loop): at the boundary before decoder
 * layer {@code layer} runs, the engine applies that layer's input_layernorm, q/k projections and
 * RoPE to the current states, and reports the causal softmax attention of the chosen queries
 * over all keys, averaged over heads. Only the requested rows are computed; the layer itself
 * still runs its normal attention.
 */
public interface AttentionObserver {

    /**
     * Query rows (indices into the current sequence) whose attention at layer {@code layer}
     * (1-based) is wanted, or {@code null} for none.
     */
    int[] attentionQueries(int layer, TokenLayout layout);

    /**
     * The rows asked for: {@code [queries, length]}, head-averaged probabilities, valid only during
     * the call.
     */
    void onAttention(int layer, int[] queries, NDArray probabilities, TokenLayout layout);
}
