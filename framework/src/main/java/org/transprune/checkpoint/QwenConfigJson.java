package org.transprune.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.transprune.config.QwenConfig;
import org.transprune.config.QwenVisionConfig;
import org.transprune.config.TextConfig;

/**
 * {@code config.json} of Qwen2.5-VL checkpoints ({@code model_type: qwen2_5_vl}), read in both layouts: the
 * released one (text settings at the top level, {@code rope_scaling.mrope_section}) and newer transformers'
 * (a nested {@code text_config}). Text keys a file leaves out take {@code Qwen2_5_VLTextConfig}'s defaults;
 * the vision tower's shape keys are required, because that class's defaults (a 3584-wide tower) match no
 * released checkpoint.
 */
final class QwenConfigJson {
    static final String MODEL_TYPE = "qwen2_5_vl";
    static final String ARCHITECTURE = "Qwen2_5_VLForConditionalGeneration";

    /** Vision keys without which the tower's shape is unknown. */
    static final List<String> REQUIRED_VISION_KEYS = List.of(
            "depth", "hidden_size", "intermediate_size", "num_heads", "out_hidden_size", "fullatt_block_indexes");

    private QwenConfigJson() {}

    /** Whether a config names Qwen2.5-VL by architecture or model type. */
    static boolean isQwen(JsonNode root) {
        JsonNode archs = root.get("architectures");
        boolean arch = archs != null
                && archs.isArray()
                && archs.size() > 0
                && ARCHITECTURE.equals(archs.get(0).asText());
        return arch || MODEL_TYPE.equals(root.path("model_type").asText(""));
    }

    static QwenConfig read(JsonNode root, Path file) {
        String type = ConfigJson.string(root, "model_type", "", file);
        if (!type.equals(MODEL_TYPE)) {
            throw new CheckpointException(file + ": model_type '" + type + "' is not Qwen2.5-VL (expected '"
                    + MODEL_TYPE + "'; Qwen2-VL and Qwen3-VL differ and are not supported)");
        }
        JsonNode visionNode = root.get("vision_config");
        if (visionNode == null || !visionNode.isObject()) {
            throw new CheckpointException(file + ": required key 'vision_config' is missing");
        }
        QwenVisionConfig vision = vision(visionNode, file);
        JsonNode textNode = root.get("text_config");
        boolean nested = textNode != null && textNode.isObject() && textNode.has("hidden_size");
        JsonNode t = nested ? textNode : root;
        String where = nested ? "text_config." : "";
        TextConfig text = text(t, root, file, where);
        int[] sections = mropeSection(t, file, where);
        int image = idKey(root, t, "image_token_id", QwenConfig.IMAGE_PAD, file);
        int start = idKey(root, t, "vision_start_token_id", QwenConfig.VISION_START, file);
        int end = idKey(root, t, "vision_end_token_id", QwenConfig.VISION_END, file);
        return ConfigJson.build(
                file,
                () -> new QwenConfig(vision, text, List.of(sections[0], sections[1], sections[2]), image, start, end));
    }

    private static int idKey(JsonNode root, JsonNode text, String key, int dflt, Path file) {
        return root.hasNonNull(key)
                ? ConfigJson.integer(root, key, dflt, file)
                : ConfigJson.integer(text, key, dflt, file);
    }

    private static QwenVisionConfig vision(JsonNode v, Path file) {
        for (String key : REQUIRED_VISION_KEYS) {
            if (!v.hasNonNull(key)) {
                throw new CheckpointException(file + ": required key 'vision_config." + key + "' is missing");
            }
        }
        String act = ConfigJson.string(v, "hidden_act", "silu", file);
        if (!act.equals("silu")) {
            throw new CheckpointException(
                    file + ": vision_config.hidden_act '" + act + "' is not supported (only silu)");
        }
        int channels = v.hasNonNull("in_channels")
                ? ConfigJson.integer(v, "in_channels", 3, file)
                : ConfigJson.integer(v, "in_chans", 3, file);
        if (channels != 3) {
            throw new CheckpointException(
                    file + ": vision_config.in_channels " + channels + " is not supported (only 3)");
        }
        JsonNode full = v.get("fullatt_block_indexes");
        if (!full.isArray()) {
            throw new CheckpointException(file + ": 'vision_config.fullatt_block_indexes' must be a list of integers");
        }
        List<Integer> blocks = new ArrayList<>();
        for (JsonNode b : full) {
            if (!b.canConvertToInt() || !b.isIntegralNumber()) {
                throw new CheckpointException(
                        file + ": 'vision_config.fullatt_block_indexes' must be a list of integers, found " + full);
            }
            blocks.add(b.intValue());
        }
        return ConfigJson.build(
                file,
                () -> new QwenVisionConfig(
                        ConfigJson.integer(v, "depth", 32, file),
                        ConfigJson.integer(v, "hidden_size", 3584, file),
                        ConfigJson.integer(v, "intermediate_size", 3420, file),
                        ConfigJson.integer(v, "num_heads", 16, file),
                        ConfigJson.integer(v, "patch_size", 14, file),
                        ConfigJson.integer(v, "temporal_patch_size", 2, file),
                        ConfigJson.integer(v, "spatial_merge_size", 2, file),
                        ConfigJson.integer(v, "window_size", 112, file),
                        blocks,
                        ConfigJson.integer(v, "out_hidden_size", 3584, file)));
    }

    private static TextConfig text(JsonNode n, JsonNode root, Path file, String where) {
        int hidden = ConfigJson.integer(n, "hidden_size", 8192, file);
        int inter = ConfigJson.integer(n, "intermediate_size", 29568, file);
        int layers = ConfigJson.integer(n, "num_hidden_layers", 80, file);
        int heads = ConfigJson.integer(n, "num_attention_heads", 64, file);
        int kv = ConfigJson.integer(n, "num_key_value_heads", 8, file);
        int vocab = ConfigJson.integer(n, "vocab_size", 152064, file);
        double eps = ConfigJson.number(n, "rms_norm_eps", 1e-6, file);
        double theta = ConfigJson.number(n, "rope_theta", 1_000_000.0, file);
        JsonNode params = n.get("rope_parameters");
        if (params != null && params.isObject() && params.has("rope_theta")) {
            theta = ConfigJson.number(params, "rope_theta", theta, file);
        }
        int maxPos = ConfigJson.integer(n, "max_position_embeddings", 32768, file);
        String act = ConfigJson.string(n, "hidden_act", "silu", file);
        if (!act.equals("silu")) {
            throw new CheckpointException(
                    file + ": " + where + "hidden_act '" + act + "' is not supported (only silu)");
        }
        if (ConfigJson.bool(n, "use_sliding_window", false, file)) {
            throw new CheckpointException(
                    file + ": " + where + "use_sliding_window true is not supported (full attention only)");
        }
        boolean tie = ConfigJson.bool(root, "tie_word_embeddings", false, file)
                || ConfigJson.bool(n, "tie_word_embeddings", false, file);
        double ropeTheta = theta;
        return ConfigJson.build(
                file, () -> new TextConfig(hidden, inter, layers, heads, kv, vocab, eps, ropeTheta, maxPos, tie));
    }

    /** {@code rope_scaling.mrope_section} (or {@code rope_parameters.mrope_section}): required, 3 integers. */
    private static int[] mropeSection(JsonNode n, Path file, String where) {
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode rope = n.get(key);
            if (rope == null || !rope.isObject() || !rope.has("mrope_section")) {
                continue;
            }
            String type = rope.has("rope_type")
                    ? rope.get("rope_type").asText()
                    : rope.has("type") ? rope.get("type").asText() : "default";
            if (!type.equals("default") && !type.equals("mrope")) {
                throw new CheckpointException(file + ": " + where + key + " of type '" + type
                        + "' is not supported (only plain multimodal RoPE)");
            }
            JsonNode s = rope.get("mrope_section");
            if (!s.isArray() || s.size() != 3) {
                throw new CheckpointException(
                        file + ": '" + where + key + ".mrope_section' must be 3 integers, found " + s);
            }
            int[] out = new int[3];
            for (int i = 0; i < 3; i++) {
                if (!s.get(i).isIntegralNumber()) {
                    throw new CheckpointException(
                            file + ": '" + where + key + ".mrope_section' must be 3 integers, found " + s);
                }
                out[i] = s.get(i).intValue();
            }
            return out;
        }
        throw new CheckpointException(file + ": required key '" + where + "rope_scaling.mrope_section' is missing");
    }

    // ---- writing

    /**
     * The {@code config.json} of {@code c}: the released layout (text keys at the top level) or, with
     * {@code nested}, newer transformers' (a {@code text_config}).
     */
    static ObjectNode json(QwenConfig c, boolean nested) {
        ObjectNode root = ConfigJson.JSON.createObjectNode();
        root.putArray("architectures").add(ARCHITECTURE);
        root.put("model_type", MODEL_TYPE);
        root.put("image_token_id", c.imageTokenId());
        root.put("vision_start_token_id", c.visionStartTokenId());
        root.put("vision_end_token_id", c.visionEndTokenId());
        root.put("tie_word_embeddings", c.text().tieWordEmbeddings());
        ObjectNode text = ConfigJson.llamaJson(c.text());
        text.put("use_sliding_window", false);
        ObjectNode rope = text.putObject("rope_scaling");
        rope.put(nested ? "rope_type" : "type", nested ? "default" : "mrope");
        var sections = rope.putArray("mrope_section");
        c.mropeSection().forEach(sections::add);
        if (nested) {
            text.put("model_type", "qwen2_5_vl_text");
            root.set("text_config", text);
        } else {
            root.setAll(text);
        }
        QwenVisionConfig v = c.vision();
        ObjectNode vision = root.putObject("vision_config");
        vision.put("depth", v.depth());
        vision.put("hidden_size", v.hiddenSize());
        vision.put("intermediate_size", v.intermediateSize());
        vision.put("num_heads", v.numHeads());
        vision.put("hidden_act", "silu");
        vision.put("in_chans", 3);
        vision.put("patch_size", v.patchSize());
        vision.put("temporal_patch_size", v.temporalPatchSize());
        vision.put("spatial_merge_size", v.spatialMergeSize());
        vision.put("window_size", v.windowSize());
        vision.put("out_hidden_size", v.outHiddenSize());
        var full = vision.putArray("fullatt_block_indexes");
        v.fullAttentionBlocks().forEach(full::add);
        return root;
    }
}
