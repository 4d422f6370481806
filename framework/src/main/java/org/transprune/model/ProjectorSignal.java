package org.transprune.model;

/**
 * What a projector stage may read before the decoder runs; parts not asked for are not computed
 * (docs/method.md#projector-stage).
 */
public enum ProjectorSignal {
    /**
     * The vision tower's attention of its CLS token to each patch, averaged over heads, in the last block
     * the tower runs (the block whose output is the feature layer), {@code [N]}.
     */
    CLS_ATTENTION,
    /** That block's keys (input LayerNorm, key projection with bias), averaged over heads, {@code [N, headDim]}. */
    TOWER_KEYS,
    /** The patch features at the feature layer, the projector's input, {@code [N, visionHidden]}. */
    TOWER_FEATURES,
    /** The projector's output, the image tokens that would enter the decoder, {@code [N, hidden]}. */
    PROJECTED_TOKENS,
    /**
     * The decoder's input embeddings ({@code embed_tokens} rows) of the prompt tokens after the image
     * block, {@code [T, hidden]}.
     */
    INSTRUCTION_EMBEDDINGS
}
