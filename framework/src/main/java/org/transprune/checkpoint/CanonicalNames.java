package org.transprune.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.config.LlavaConfig;
import org.transprune.config.QwenConfig;
import org.transprune.config.QwenVisionConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/**
 * Every tensor name of the project: the names the engine reads (the classic llava-hf names), the shape
 * each must have for a given configuration, and how each supported checkpoint layout spells them (to
 * read a layout, and to write one). Tensor names are spelled nowhere else.
 */
public final class CanonicalNames {
    /** Prefix of every vision-tower tensor. */
    public static final String TOWER = "vision_tower.";

    public static final String VISION = TOWER + "vision_model.";
    public static final String PATCH_EMBEDDING = VISION + "embeddings.patch_embedding.weight";
    public static final String CLASS_EMBEDDING = VISION + "embeddings.class_embedding";
    public static final String POSITION_EMBEDDING = VISION + "embeddings.position_embedding.weight";
    public static final String PRE_LAYERNORM = VISION + "pre_layrnorm.";
    public static final String POST_LAYERNORM = VISION + "post_layernorm.";
    public static final String PROJECTOR_1 = "multi_modal_projector.linear_1.";
    public static final String PROJECTOR_2 = "multi_modal_projector.linear_2.";
    /** Prefix of the decoder's tensors (embeddings, layers, final norm). */
    public static final String DECODER = "language_model.model.";

    public static final String EMBED_TOKENS = DECODER + "embed_tokens.weight";
    public static final String FINAL_NORM = DECODER + "norm.weight";
    public static final String LM_HEAD = "language_model.lm_head.weight";
    /** LLaVA-NeXT's learned embedding that ends each row of the tile grid ({@code [text hidden]}). */
    public static final String IMAGE_NEWLINE = "image_newline";

    /** Tensors of a decoder layer, after its {@link #decoderLayer} prefix. */
    public static final String INPUT_NORM = "input_layernorm.weight";

    public static final String Q_PROJ = "self_attn.q_proj.weight";
    public static final String K_PROJ = "self_attn.k_proj.weight";
    public static final String V_PROJ = "self_attn.v_proj.weight";
    public static final String O_PROJ = "self_attn.o_proj.weight";
    public static final String POST_ATTENTION_NORM = "post_attention_layernorm.weight";
    public static final String GATE_PROJ = "mlp.gate_proj.weight";
    public static final String UP_PROJ = "mlp.up_proj.weight";
    public static final String DOWN_PROJ = "mlp.down_proj.weight";

    /** Tensors of a vision block, after its {@link #visionLayer} prefix (each with {@code weight} and {@code bias}). */
    public static final String VISION_NORM_1 = "layer_norm1.";

    public static final String VISION_NORM_2 = "layer_norm2.";
    public static final String VISION_Q = "self_attn.q_proj.";
    public static final String VISION_K = "self_attn.k_proj.";
    public static final String VISION_V = "self_attn.v_proj.";
    public static final String VISION_OUT = "self_attn.out_proj.";
    public static final String VISION_FC_1 = "mlp.fc1.";
    public static final String VISION_FC_2 = "mlp.fc2.";

    private CanonicalNames() {}

    /** Prefix of vision block {@code i} (0-based), e.g. {@code vision_tower.vision_model.encoder.layers.3.}. */
    public static String visionLayer(int i) {
        return VISION + "encoder.layers." + i + ".";
    }

    /** Prefix of decoder layer {@code i} (0-based), e.g. {@code language_model.model.layers.3.}. */
    public static String decoderLayer(int i) {
        return DECODER + "layers." + i + ".";
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
            for (String proj : new String[] {VISION_Q, VISION_K, VISION_V, VISION_OUT}) {
                s.put(l + proj + "weight", new long[] {d, d});
                s.put(l + proj + "bias", new long[] {d});
            }
            s.put(l + VISION_NORM_1 + "weight", new long[] {d});
            s.put(l + VISION_NORM_1 + "bias", new long[] {d});
            s.put(l + VISION_FC_1 + "weight", new long[] {v.intermediateSize(), d});
            s.put(l + VISION_FC_1 + "bias", new long[] {v.intermediateSize()});
            s.put(l + VISION_FC_2 + "weight", new long[] {d, v.intermediateSize()});
            s.put(l + VISION_FC_2 + "bias", new long[] {d});
            s.put(l + VISION_NORM_2 + "weight", new long[] {d});
            s.put(l + VISION_NORM_2 + "bias", new long[] {d});
        }
        s.put(POST_LAYERNORM + "weight", new long[] {d});
        s.put(POST_LAYERNORM + "bias", new long[] {d});

        TextConfig t = config.text();
        long h = t.hiddenSize();
        s.put(PROJECTOR_1 + "weight", new long[] {h, d});
        s.put(PROJECTOR_1 + "bias", new long[] {h});
        if ("mlp2x_gelu".equals(config.projectorType())) {
            s.put(PROJECTOR_2 + "weight", new long[] {h, h});
            s.put(PROJECTOR_2 + "bias", new long[] {h});
        }
        s.put(EMBED_TOKENS, new long[] {t.vocabSize(), h});
        Map<String, long[]> layer = decoderLayerShapes(t);
        for (int i = 0; i < t.numLayers(); i++) {
            String l = decoderLayer(i);
            // checkpoint order (the seeded random weights of tests are drawn in this order)
            for (String name : new String[] {
                Q_PROJ, K_PROJ, V_PROJ, O_PROJ, GATE_PROJ, UP_PROJ, DOWN_PROJ, INPUT_NORM, POST_ATTENTION_NORM
            }) {
                s.put(l + name, layer.get(name));
            }
        }
        s.put(FINAL_NORM, new long[] {h});
        if (!t.tieWordEmbeddings()) {
            s.put(LM_HEAD, new long[] {t.vocabSize(), h});
        }
        if (config.isAnyRes() && config.anyRes().newline()) {
            s.put(IMAGE_NEWLINE, new long[] {h});
        }
        return s;
    }

    /**
     * The tensors of one decoder layer (names after the {@link #decoderLayer} prefix) with their shapes,
     * in the order the forward pass uses them: input norm, q, k, v, o, post-attention norm, gate, up, down.
     */
    public static Map<String, long[]> decoderLayerShapes(TextConfig t) {
        long h = t.hiddenSize();
        long q = (long) t.numHeads() * t.headDim();
        long kv = (long) t.numKeyValueHeads() * t.headDim();
        long m = t.intermediateSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(INPUT_NORM, new long[] {h});
        s.put(Q_PROJ, new long[] {q, h});
        s.put(K_PROJ, new long[] {kv, h});
        s.put(V_PROJ, new long[] {kv, h});
        s.put(O_PROJ, new long[] {h, q});
        s.put(POST_ATTENTION_NORM, new long[] {h});
        s.put(GATE_PROJ, new long[] {m, h});
        s.put(UP_PROJ, new long[] {m, h});
        s.put(DOWN_PROJ, new long[] {h, m});
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

    // ---- checkpoint layouts

    /** Where an original LLaVA checkpoint that carries its tower stores it (CLIP names after this prefix). */
    public static final String EMBEDDED_TOWER = "model.vision_tower.vision_tower.";

    private static final String STORED_LM_HEAD = "lm_head.weight";
    private static final String NEW_HF = "model.";
    private static final String NEW_HF_DECODER = "model.language_model.";
    private static final String PROJECTOR = "multi_modal_projector.";
    private static final String MM_PROJECTOR = "model.mm_projector.";
    private static final String CLIP_VISION = "vision_model.";
    private static final String ORIGINAL_IMAGE_NEWLINE = "model.image_newline";

    /** llava-hf: classic names stay, transformers 4.52+ names are mapped back to them; null for other tensors. */
    public static String fromLlavaHf(String n) {
        if (n.startsWith(NEW_HF_DECODER)) {
            return DECODER + n.substring(NEW_HF_DECODER.length());
        }
        if (n.startsWith(NEW_HF + TOWER)) {
            return n.substring(NEW_HF.length());
        }
        if (n.startsWith(NEW_HF + PROJECTOR)) {
            return n.substring(NEW_HF.length());
        }
        if (n.equals(STORED_LM_HEAD)) {
            return LM_HEAD;
        }
        if (n.equals(IMAGE_NEWLINE) || n.equals(NEW_HF + IMAGE_NEWLINE)) {
            return IMAGE_NEWLINE;
        }
        if (n.startsWith("language_model.") || n.startsWith(TOWER) || n.startsWith(PROJECTOR)) {
            return n;
        }
        return null;
    }

    /** The transformers 4.52+ llava-hf spelling of a canonical name. */
    public static String toNewLlavaHf(String canonical) {
        if (canonical.equals(LM_HEAD)) {
            return STORED_LM_HEAD;
        }
        if (canonical.startsWith(DECODER)) {
            return NEW_HF_DECODER + canonical.substring(DECODER.length());
        }
        return NEW_HF + canonical;
    }

    /**
     * Original LLaVA: decoder under {@code model.}, projector as {@code model.mm_projector.*}, an
     * embedded tower under {@link #EMBEDDED_TOWER}; null for other tensors.
     */
    public static String fromOriginalLlava(String n, String projectorType) {
        if (n.startsWith(EMBEDDED_TOWER + CLIP_VISION)) {
            return TOWER + n.substring(EMBEDDED_TOWER.length());
        }
        if (n.startsWith(MM_PROJECTOR)) {
            String rest = n.substring(MM_PROJECTOR.length());
            if (projectorType.equals("linear")) {
                return rest.indexOf('.') < 0 ? PROJECTOR_1 + rest : null;
            }
            if (rest.startsWith("0.")) {
                return PROJECTOR_1 + rest.substring(2);
            }
            if (rest.startsWith("2.")) {
                return PROJECTOR_2 + rest.substring(2);
            }
            return null;
        }
        if (n.equals(STORED_LM_HEAD)) {
            return LM_HEAD;
        }
        if (n.equals(ORIGINAL_IMAGE_NEWLINE)) {
            return IMAGE_NEWLINE;
        }
        if (n.startsWith("model.embed_tokens.") || n.startsWith("model.layers.") || n.startsWith("model.norm.")) {
            return "language_model." + n;
        }
        return null;
    }

    /** The original LLaVA spelling of a canonical decoder or projector name (the tower lives apart). */
    public static String toOriginalLlava(String canonical, String projectorType) {
        if (canonical.startsWith(PROJECTOR_1)) {
            String rest = canonical.substring(PROJECTOR_1.length());
            return MM_PROJECTOR + ("linear".equals(projectorType) ? "" : "0.") + rest;
        }
        if (canonical.startsWith(PROJECTOR_2)) {
            return MM_PROJECTOR + "2." + canonical.substring(PROJECTOR_2.length());
        }
        if (canonical.equals(LM_HEAD)) {
            return STORED_LM_HEAD;
        }
        if (canonical.equals(IMAGE_NEWLINE)) {
            return ORIGINAL_IMAGE_NEWLINE;
        }
        return canonical.substring("language_model.".length());
    }

    /** A CLIPVisionModel or CLIPModel checkpoint: only the {@code vision_model.*} tensors; null for others. */
    public static String fromClip(String n) {
        return n.startsWith(CLIP_VISION) ? TOWER + n : null;
    }

    /** The CLIPVisionModel spelling of a canonical tower name. */
    public static String toClip(String canonical) {
        return canonical.substring(TOWER.length());
    }

    /** Where an original LLaVA checkpoint that embeds its tower stores a canonical tower tensor. */
    public static String toEmbeddedTower(String canonical) {
        return EMBEDDED_TOWER + toClip(canonical);
    }

    // ---- Qwen2.5-VL

    /** Prefix of every tensor of Qwen2.5-VL's vision tower (the released checkpoints' spelling). */
    public static final String QWEN_VISUAL = "visual.";

    public static final String QWEN_PATCH_EMBED = QWEN_VISUAL + "patch_embed.proj.weight";
    public static final String QWEN_MERGER_NORM = QWEN_VISUAL + "merger.ln_q.weight";
    public static final String QWEN_MERGER_FC_1 = QWEN_VISUAL + "merger.mlp.0.";
    public static final String QWEN_MERGER_FC_2 = QWEN_VISUAL + "merger.mlp.2.";

    /** Tensors of a Qwen vision block, after its {@link #qwenVisionBlock} prefix. */
    public static final String QWEN_NORM_1 = "norm1.weight";

    public static final String QWEN_NORM_2 = "norm2.weight";
    public static final String QWEN_QKV = "attn.qkv.";
    public static final String QWEN_ATTN_OUT = "attn.proj.";
    public static final String QWEN_GATE = "mlp.gate_proj.";
    public static final String QWEN_UP = "mlp.up_proj.";
    public static final String QWEN_DOWN = "mlp.down_proj.";

    /** The q/k/v biases of a Qwen2 decoder layer, after its {@link #decoderLayer} prefix. */
    public static final String Q_BIAS = "self_attn.q_proj.bias";

    public static final String K_BIAS = "self_attn.k_proj.bias";
    public static final String V_BIAS = "self_attn.v_proj.bias";

    private static final String QWEN_NEW_VISUAL = "model.visual.";
    private static final String QWEN_NEW_DECODER = "model.language_model.";
    private static final String QWEN_RELEASED_DECODER = "model.";

    /** Prefix of Qwen vision block {@code i} (0-based), e.g. {@code visual.blocks.3.}. */
    public static String qwenVisionBlock(int i) {
        return QWEN_VISUAL + "blocks." + i + ".";
    }

    /**
     * The tensors of one decoder layer with their shapes, as {@link #decoderLayerShapes(TextConfig)}, followed
     * by the q/k/v biases when {@code attentionBias} (Qwen2).
     */
    public static Map<String, long[]> decoderLayerShapes(TextConfig t, boolean attentionBias) {
        Map<String, long[]> s = decoderLayerShapes(t);
        if (attentionBias) {
            long q = (long) t.numHeads() * t.headDim();
            long kv = (long) t.numKeyValueHeads() * t.headDim();
            s.put(Q_BIAS, new long[] {q});
            s.put(K_BIAS, new long[] {kv});
            s.put(V_BIAS, new long[] {kv});
        }
        return s;
    }

    /** Every tensor of a Qwen2.5-VL checkpoint with its shape: vision tower, merger, decoder, LM head unless tied. */
    public static Map<String, long[]> qwenShapes(QwenConfig config) {
        Map<String, long[]> s = new LinkedHashMap<>();
        QwenVisionConfig v = config.vision();
        long d = v.hiddenSize();
        long m = v.intermediateSize();
        s.put(QWEN_PATCH_EMBED, new long[] {d, 3, v.temporalPatchSize(), v.patchSize(), v.patchSize()});
        for (int i = 0; i < v.depth(); i++) {
            String b = qwenVisionBlock(i);
            s.put(b + QWEN_NORM_1, new long[] {d});
            s.put(b + QWEN_NORM_2, new long[] {d});
            s.put(b + QWEN_QKV + "weight", new long[] {3 * d, d});
            s.put(b + QWEN_QKV + "bias", new long[] {3 * d});
            s.put(b + QWEN_ATTN_OUT + "weight", new long[] {d, d});
            s.put(b + QWEN_ATTN_OUT + "bias", new long[] {d});
            s.put(b + QWEN_GATE + "weight", new long[] {m, d});
            s.put(b + QWEN_GATE + "bias", new long[] {m});
            s.put(b + QWEN_UP + "weight", new long[] {m, d});
            s.put(b + QWEN_UP + "bias", new long[] {m});
            s.put(b + QWEN_DOWN + "weight", new long[] {d, m});
            s.put(b + QWEN_DOWN + "bias", new long[] {d});
        }
        long merged = d * v.spatialMergeSize() * v.spatialMergeSize();
        s.put(QWEN_MERGER_NORM, new long[] {d});
        s.put(QWEN_MERGER_FC_1 + "weight", new long[] {merged, merged});
        s.put(QWEN_MERGER_FC_1 + "bias", new long[] {merged});
        s.put(QWEN_MERGER_FC_2 + "weight", new long[] {v.outHiddenSize(), merged});
        s.put(QWEN_MERGER_FC_2 + "bias", new long[] {v.outHiddenSize()});
        TextConfig t = config.text();
        long h = t.hiddenSize();
        s.put(EMBED_TOKENS, new long[] {t.vocabSize(), h});
        Map<String, long[]> layer = decoderLayerShapes(t, true);
        for (int i = 0; i < t.numLayers(); i++) {
            String l = decoderLayer(i);
            for (Map.Entry<String, long[]> e : layer.entrySet()) {
                s.put(l + e.getKey(), e.getValue());
            }
        }
        s.put(FINAL_NORM, new long[] {h});
        if (!t.tieWordEmbeddings()) {
            s.put(LM_HEAD, new long[] {t.vocabSize(), h});
        }
        return s;
    }

    /**
     * A Qwen2.5-VL tensor name of either layout mapped to its canonical name: the released checkpoints'
     * {@code visual.*}, {@code model.layers.N.*}, {@code model.embed_tokens.*}, {@code model.norm.*},
     * {@code lm_head.weight}, or newer transformers' {@code model.visual.*} and {@code model.language_model.*};
     * null for other tensors.
     */
    public static String fromQwen(String n) {
        if (n.startsWith(QWEN_VISUAL)) {
            return n;
        }
        if (n.startsWith(QWEN_NEW_VISUAL)) {
            return n.substring("model.".length());
        }
        if (n.startsWith(QWEN_NEW_DECODER)) {
            return DECODER + n.substring(QWEN_NEW_DECODER.length());
        }
        if (n.equals(STORED_LM_HEAD)) {
            return LM_HEAD;
        }
        if (n.startsWith("model.embed_tokens.") || n.startsWith("model.layers.") || n.startsWith("model.norm.")) {
            return DECODER + n.substring(QWEN_RELEASED_DECODER.length());
        }
        return null;
    }

    /** The released Qwen2.5-VL checkpoints' spelling of a canonical Qwen name. */
    public static String toQwenReleased(String canonical) {
        if (canonical.equals(LM_HEAD)) {
            return STORED_LM_HEAD;
        }
        if (canonical.startsWith(DECODER)) {
            return QWEN_RELEASED_DECODER + canonical.substring(DECODER.length());
        }
        return canonical;
    }

    /** Newer transformers' spelling ({@code model.visual.*}, {@code model.language_model.*}) of a canonical Qwen name. */
    public static String toQwenNew(String canonical) {
        if (canonical.equals(LM_HEAD)) {
            return STORED_LM_HEAD;
        }
        if (canonical.startsWith(DECODER)) {
            return QWEN_NEW_DECODER + canonical.substring(DECODER.length());
        }
        return "model." + canonical;
    }
}
