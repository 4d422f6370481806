package org.transprune.model;

import ai.djl.ndarray.NDArray;

/**
 * Receives the residual stream at layer boundaries: the hidden state {@code [length, hidden]}
 * entering decoder layer {@code layer} (1-based), i.e. layer {@code layer - 1}'s output with both
 * residual additions and no normalisation (for layer 1, the input embeddings). It is delivered at
 * the boundary before that layer, before any attention rows of the boundary and before the prune
 * after layer {@code layer - 1}, so it covers the tokens that layer {@code layer - 1} processed.
 */
public interface HiddenStateObserver {

    /** Whether the hidden state entering decoder layer {@code layer} (1-based) is wanted. */
    boolean observesHiddenState(int layer);

    /** The hidden state, valid only during the call. */
    void onHiddenState(int layer, NDArray hidden, TokenLayout layout);
}
