package org.transprune.model;

/** Canonical tensor names the engine reads (the classic llava-hf names). */
public final class WeightNames {
    private WeightNames() {}

    public static final String VISION = "vision_tower.vision_model.";
    public static final String PATCH_EMBEDDING = VISION + "embeddings.patch_embedding.weight";
    public static final String CLASS_EMBEDDING = VISION + "embeddings.class_embedding";
    public static final String POSITION_EMBEDDING = VISION + "embeddings.position_embedding.weight";
    public static final String PRE_LAYERNORM = VISION + "pre_layrnorm.";

    public static final String PROJECTOR_1 = "multi_modal_projector.linear_1.";
    public static final String PROJECTOR_2 = "multi_modal_projector.linear_2.";

    public static final String TEXT = "language_model.model.";
    public static final String EMBED_TOKENS = TEXT + "embed_tokens.weight";
    public static final String FINAL_NORM = TEXT + "norm.weight";
    public static final String LM_HEAD = "language_model.lm_head.weight";

    /** Prefix of vision block {@code i} (0-based). */
    public static String visionBlock(int i) {
        return VISION + "encoder.layers." + i + ".";
    }

    /** Prefix of decoder layer {@code i} (0-based, as in the checkpoint). */
    public static String decoderLayer(int i) {
        return TEXT + "layers." + i + ".";
    }
}
