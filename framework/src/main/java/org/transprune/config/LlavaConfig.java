package org.transprune.config;

/**
 * A LLaVA model: vision tower, projector and decoder, and how they are wired.
 *
 * @param vision the CLIP tower
 * @param text the LLaMA decoder
 * @param projectorType {@code mlp2x_gelu} or {@code linear}
 * @param visionFeatureLayer hidden state of the tower fed to the projector, Python-style index
 *     into the list [embeddings, block 1, ..., block n]: -2 (the default) is the second-to-last block
 * @param visionFeatureSelect {@code default}/{@code patch} (drop CLS) or {@code full} (keep it)
 * @param imageTokenId the placeholder id that image features replace, or -1 when the prompt
 *     carries the placeholder only as text ({@code <image>}) and the tokenizer has no id for it
 * @param anyRes LLaVA-NeXT's AnyRes settings, or null for a single 336 px view (LLaVA-1.5)
 */
public record LlavaConfig(
        VisionConfig vision,
        TextConfig text,
        String projectorType,
        int visionFeatureLayer,
        String visionFeatureSelect,
        int imageTokenId,
        AnyResConfig anyRes) {

    /** A single-view (LLaVA-1.5) model. */
    public LlavaConfig(
            VisionConfig vision,
            TextConfig text,
            String projectorType,
            int visionFeatureLayer,
            String visionFeatureSelect,
            int imageTokenId) {
        this(vision, text, projectorType, visionFeatureLayer, visionFeatureSelect, imageTokenId, null);
    }

    public LlavaConfig {
        TextConfig.require(
                "mlp2x_gelu".equals(projectorType) || "linear".equals(projectorType),
                "unsupported projector type '" + projectorType + "' (expected mlp2x_gelu or linear)");
        int blocks = vision.numLayers();
        TextConfig.require(
                visionFeatureLayer >= -(blocks + 1) && visionFeatureLayer <= blocks,
                "vision_feature_layer " + visionFeatureLayer + " is outside the tower's " + blocks + " blocks");
        TextConfig.require(
                "default".equals(visionFeatureSelect)
                        || "patch".equals(visionFeatureSelect)
                        || "full".equals(visionFeatureSelect),
                "unsupported vision_feature_select_strategy '" + visionFeatureSelect + "'");
        if (anyRes != null) {
            anyRes.checkTileMultiples(vision.imageSize());
        }
    }

    /** Whether images are encoded with LLaVA-NeXT's AnyRes (base view plus tiles). */
    public boolean isAnyRes() {
        return anyRes != null;
    }

    /** The same model with AnyRes settings (null for a single view). */
    public LlavaConfig withAnyRes(AnyResConfig settings) {
        return new LlavaConfig(
                vision, text, projectorType, visionFeatureLayer, visionFeatureSelect, imageTokenId, settings);
    }

    /** Number of tower blocks that must run to reach the feature layer. */
    public int visionBlocksToRun() {
        int n = vision.numLayers();
        return visionFeatureLayer < 0 ? n + 1 + visionFeatureLayer : visionFeatureLayer;
    }

    /**
     * Image tokens of one view (576 for LLaVA-1.5). Under AnyRes the count varies with the image
     * size; this is then the base view's share (see {@code image.AnyRes} for the whole count).
     */
    public int imageTokens() {
        return vision.numPatches() + ("full".equals(visionFeatureSelect) ? 1 : 0);
    }
}
