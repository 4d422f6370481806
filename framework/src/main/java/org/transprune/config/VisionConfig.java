package org.transprune.config;

/**
 * Shape of a CLIP ViT vision tower.
 *
 * @param hiddenSize transformer width
 * @param intermediateSize MLP width
 * @param numLayers transformer blocks
 * @param numHeads attention heads
 * @param imageSize input side in pixels (336 for LLaVA-1.5)
 * @param patchSize patch side in pixels (14 for ViT-L/14)
 * @param layerNormEps epsilon of the LayerNorms
 * @param hiddenAct MLP activation: {@code quick_gelu} (CLIP) or {@code gelu}
 */
public record VisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int imageSize,
        int patchSize,
        double layerNormEps,
        String hiddenAct) {

    public VisionConfig {
        TextConfig.require(hiddenSize > 0 && intermediateSize > 0 && numLayers > 0, "sizes must be positive");
        TextConfig.require(
                numHeads > 0 && hiddenSize % numHeads == 0,
                "vision hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numHeads);
        TextConfig.require(
                patchSize > 0 && imageSize % patchSize == 0,
                "image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        TextConfig.require(
                "quick_gelu".equals(hiddenAct) || "gelu".equals(hiddenAct),
                "unsupported vision hidden_act '" + hiddenAct + "' (expected quick_gelu or gelu)");
    }

    /** Patches per side: 24 for a 336 px, 14 px-patch tower. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Patch tokens (without CLS): 576 for LLaVA-1.5. */
    public int numPatches() {
        return gridSize() * gridSize();
    }
}
