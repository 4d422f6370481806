package org.transprune.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/**
 * The tensor names the engine reads (the classic llava-hf names) and the shape each must have for a
 * given configuration. Every checkpoint layout is renamed to these.
 */
public final class CanonicalNames {
    public static final String VISION = "vision_tower.vision_model.";
    public static final String PATCH_EMBEDDING = VISION + "embeddings.patch_embedding.weight";
    public static final String CLASS_EMBEDDING = VISION + "embeddings.class_embedding";
    public static final String POSITION_EMBEDDING = VISION + "embeddings.position_embedding.weight";
    public static final String PRE_LAYERNORM = VISION + "pre_layrnorm.";
    public static final String POST_LAYERNORM = VISION + "post_layernorm.";
    public static final String PROJECTOR_1 = "multi_modal_projector.linear_1.";
    public static final String PROJECTOR_2 = "multi_modal_projector.linear_2.";
    public static final String EMBED_TOKENS = "language_model.model.embed_tokens.weight";
    public static final String FINAL_NORM = "language_model.model.norm.weight";
    public static final String LM_HEAD = "language_model.lm_head.weight";

    private CanonicalNames() {}

    /** Prefix of vision block {@code i} (0-based), e.g. {@code vision_tower.vision_model.encoder.layers.3.}. */
    public static String visionLayer(int i) {
        return VISION + "encoder.layers." + i + ".";
    }

    /** Prefix of decoder layer {@code i} (0-based), e.g. {@code language_model.model.layers.3.}. */
    public static String decoderLayer(int i) {
        return "language_model.model.layers." + i + ".";
    }

    /**
     * Every tensor of a complete checkpoint with its shape, in a stable order: the tower (all blocks and
     * the post-LayerNorm), the projector, the decoder, and the LM head unless it is tied.
     */
    public static Map<String, long[]> shapes(LlavaConfig config) {
        Map<String, long[]> s = new LinkedHashMap<>();
        VisionConfig v = config.vision();
        long d = v.hiddenSize();
        long p = v.patchSize();
        s.put(PATCH_EMBEDDING, new long[] {d, 3, p, p});
        s.put(CLASS_EMBEDDING, new long[] {d});
        s.put(POSITION_EMBEDDING, new long[] {v.numPatches() + 1L, d});
        s.put(PRE_LAYERNORM + "weight", new long[] {d});
        s.put(PRE_LAYERNORM + "bias", new long[] {d});
        for (int i = 0; i < v.numLayers(); i++) {
            String l = visionLayer(i);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                s.put(l + "self_attn." + proj + ".weight", new long[] {d, d});
                s.put(l + "self_attn." + proj + ".bias", new long[] {d});
            }
            s.put(l + "layer_norm1.weight", new long[] {d});
            s.put(l + "layer_norm1.bias", new long[] {d});
            s.put(l + "mlp.fc1.weight", new long[] {v.intermediateSize(), d});
            s.put(l + "mlp.fc1.bias", new long[] {v.intermediateSize()});
            s.put(l + "mlp.fc2.weight", new long[] {d, v.intermediateSize()});
            s.put(l + "mlp.fc2.bias", new long[] {d});
            s.put(l + "layer_norm2.weight", new long[] {d});
            s.put(l + "layer_norm2.bias", new long[] {d});
        }
        s.put(POST_LAYERNORM + "weight", new long[] {d});
        s.put(POST_LAYERNORM + "bias", new long[] {d});

        TextConfig t = config.text();
        long h = t.hiddenSize();
        long kv = (long) t.numKeyValueHeads() * t.headDim();
        long m = t.intermediateSize();
        s.put(PROJECTOR_1 + "weight", new long[] {h, d});
        s.put(PROJECTOR_1 + "bias", new long[] {h});
        if ("mlp2x_gelu".equals(config.projectorType())) {
            s.put(PROJECTOR_2 + "weight", new long[] {h, h});
            s.put(PROJECTOR_2 + "bias", new long[] {h});
        }
        s.put(EMBED_TOKENS, new long[] {t.vocabSize(), h});
        for (int i = 0; i < t.numLayers(); i++) {
            String l = decoderLayer(i);
            s.put(l + "self_attn.q_proj.weight", new long[] {h, h});
            s.put(l + "self_attn.k_proj.weight", new long[] {kv, h});
            s.put(l + "self_attn.v_proj.weight", new long[] {kv, h});
            s.put(l + "self_attn.o_proj.weight", new long[] {h, h});
            s.put(l + "mlp.gate_proj.weight", new long[] {m, h});
            s.put(l + "mlp.up_proj.weight", new long[] {m, h});
            s.put(l + "mlp.down_proj.weight", new long[] {h, m});
            s.put(l + "input_layernorm.weight", new long[] {h});
            s.put(l + "post_attention_layernorm.weight", new long[] {h});
        }
        s.put(FINAL_NORM, new long[] {h});
        if (!t.tieWordEmbeddings()) {
            s.put(LM_HEAD, new long[] {t.vocabSize(), h});
        }
        return s;
    }

    /**
     * True for tensors of {@link #shapes} the engine can do without: the post-LayerNorm (LLaVA reads a
     * hidden state before it) and tower blocks past the feature layer, which never run.
     */
    public static boolean optional(String name, LlavaConfig config) {
        if (name.startsWith(POST_LAYERNORM)) {
            return true;
        }
        String prefix = VISION + "encoder.layers.";
        if (name.startsWith(prefix)) {
            int block = Integer.parseInt(name.substring(prefix.length(), name.indexOf('.', prefix.length())));
            return block >= config.visionBlocksToRun();
        }
        return false;
    }
}
