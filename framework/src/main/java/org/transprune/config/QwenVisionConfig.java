package org.transprune.config;

import java.util.List;

/**
 * Shape of Qwen2.5-VL's vision tower (the {@code vision_config} of a {@code qwen2_5_vl} checkpoint).
 *
 * @param depth transformer blocks
 * @param hiddenSize block width
 * @param intermediateSize SwiGLU width of a block's MLP
 * @param numHeads attention heads
 * @param patchSize patch side in pixels (14)
 * @param temporalPatchSize frames per patch (2: a still image is its own two frames)
 * @param spatialMergeSize patches per side merged into one LLM token (2: 2x2 patches per token)
 * @param windowSize side of an attention window in pixels (112: 8x8 patches, 4x4 merged tokens)
 * @param fullAttentionBlocks 0-based blocks that attend over the whole image; the others attend within windows
 * @param outHiddenSize width of the merged tokens, the language model's hidden size
 */
public record QwenVisionConfig(
        int depth,
        int hiddenSize,
        int intermediateSize,
        int numHeads,
        int patchSize,
        int temporalPatchSize,
        int spatialMergeSize,
        int windowSize,
        List<Integer> fullAttentionBlocks,
        int outHiddenSize) {

    public QwenVisionConfig {
        fullAttentionBlocks = List.copyOf(fullAttentionBlocks);
        TextConfig.require(
                depth > 0 && hiddenSize > 0 && intermediateSize > 0 && outHiddenSize > 0,
                "vision sizes must be positive");
        TextConfig.require(
                numHeads > 0 && hiddenSize % numHeads == 0,
                "vision hidden_size " + hiddenSize + " is not divisible by num_heads " + numHeads);
        TextConfig.require(
                (hiddenSize / numHeads) % 4 == 0,
                "vision head_dim " + hiddenSize / numHeads + " must be a multiple of 4 for the 2D rotary embedding");
        TextConfig.require(
                patchSize > 0 && temporalPatchSize > 0 && spatialMergeSize > 0, "patch sizes must be positive");
        TextConfig.require(
                windowSize > 0 && windowSize % (patchSize * spatialMergeSize) == 0,
                "window_size " + windowSize + " is not a multiple of patch_size x spatial_merge_size "
                        + patchSize * spatialMergeSize);
        for (int b : fullAttentionBlocks) {
            TextConfig.require(
                    b >= 0 && b < depth, "fullatt_block_indexes entry " + b + " is outside the " + depth + " blocks");
        }
    }

    /** Width of one attention head. */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Pixels per side of one LLM token: {@code patchSize * spatialMergeSize} (28). */
    public int tokenPixels() {
        return patchSize * spatialMergeSize;
    }

    /** Merged tokens per side of an attention window (112 / 14 / 2 = 4). */
    public int windowTokens() {
        return windowSize / tokenPixels();
    }

    /** Values of one flattened patch: {@code 3 * temporalPatchSize * patchSize^2} (1176). */
    public int patchValues() {
        return 3 * temporalPatchSize * patchSize * patchSize;
    }

    /** Whether block {@code i} (0-based) attends over the whole image. */
    public boolean fullAttention(int i) {
        return fullAttentionBlocks.contains(i);
    }
}
