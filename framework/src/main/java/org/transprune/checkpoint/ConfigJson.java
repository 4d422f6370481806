package org.transprune.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.transprune.config.AnyResConfig;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/**
 * Hugging Face {@code config.json} files of LLaVA checkpoints, read into the model records and written
 * from them. Missing keys take the defaults of the transformers classes that would read the file
 * ({@code LlavaConfig}, {@code LlamaConfig}, {@code CLIPVisionConfig}), so a sparse llava-hf config
 * means what it means to transformers.
 */
final class ConfigJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private ConfigJson() {}

    static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": no such file");
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new CheckpointException(file + ": not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw invalidJson(file, e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** "file:line: not valid JSON: what the parser expected", without the parser's source excerpt. */
    static CheckpointException invalidJson(Path file, JsonProcessingException e) {
        var at = e.getLocation();
        return new CheckpointException(
                file + (at == null || at.getLineNr() < 1 ? "" : ":" + at.getLineNr()) + ": not valid JSON: "
                        + e.getOriginalMessage(),
                e);
    }

    // ---- reading

    /** Architecture of llava-hf LLaVA-NeXT checkpoints. */
    static final String NEXT_ARCHITECTURE = "LlavaNextForConditionalGeneration";

    /** Whether a llava-hf config is LLaVA-NeXT ({@code llava_next}). */
    static boolean isLlavaNext(JsonNode root) {
        JsonNode archs = root.get("architectures");
        boolean arch = archs != null
                && archs.isArray()
                && archs.size() > 0
                && NEXT_ARCHITECTURE.equals(archs.get(0).asText());
        return arch || "llava_next".equals(root.path("model_type").asText(""));
    }

    /** A {@code LlavaForConditionalGeneration} or {@code LlavaNextForConditionalGeneration} config (llava-hf). */
    static LlavaConfig llavaHf(JsonNode root, Path file) {
        JsonNode visionNode = root.get("vision_config");
        VisionConfig vision = visionNode == null || visionNode.isNull()
                // transformers' LlavaConfig builds this CLIP ViT-L/14-336 tower when vision_config is absent.
                ? new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu")
                : clipVision(visionNode, file, "vision_config.");
        String visionType = visionNode == null || visionNode.isNull()
                ? "clip_vision_model"
                : string(visionNode, "model_type", "clip_vision_model", file);
        if (!visionType.equals("clip_vision_model")) {
            throw new CheckpointException(
                    file + ": vision_config.model_type '" + visionType + "' is not supported (only clip_vision_model)");
        }
        JsonNode textNode = root.get("text_config");
        if (textNode == null || textNode.isNull()) {
            textNode = JSON.createObjectNode();
        }
        String textType = string(textNode, "model_type", "llama", file);
        if (!textType.equals("llama") && !textType.equals("mistral")) {
            throw new CheckpointException(
                    file + ": text_config.model_type '" + textType + "' is not supported (llama or mistral)");
        }
        // LlavaConfig forwards a tie flag set only in text_config to the top level.
        boolean tie =
                bool(root, "tie_word_embeddings", false, file) || bool(textNode, "tie_word_embeddings", false, file);
        TextConfig text = textType.equals("mistral")
                ? mistral(textNode, file, "text_config.", tie)
                : llama(textNode, file, "text_config.", tie);
        String act = string(root, "projector_hidden_act", "gelu", file);
        if (!act.equals("gelu")) {
            throw new CheckpointException(file + ": projector_hidden_act '" + act + "' is not supported (only gelu)");
        }
        if (!bool(root, "multimodal_projector_bias", true, file)) {
            throw new CheckpointException(file + ": multimodal_projector_bias=false is not supported");
        }
        JsonNode layer = root.get("vision_feature_layer");
        if (layer != null && !layer.isNull() && !layer.canConvertToInt()) {
            throw new CheckpointException(
                    file + ": vision_feature_layer " + layer + " is not supported (only a single layer index)");
        }
        int featureLayer = integer(root, "vision_feature_layer", -2, file);
        String select = string(root, "vision_feature_select_strategy", "default", file);
        int imageToken = root.has("image_token_index")
                ? integer(root, "image_token_index", 32000, file)
                : integer(root, "image_token_id", 32000, file);
        // LlavaNextConfig's defaults: the v1.6 pinpoints; LlavaNextModel always has image_newline.
        AnyResConfig anyRes = isLlavaNext(root)
                ? build(
                        file,
                        () -> new AnyResConfig(
                                pinpoints(root, file, AnyResConfig.standardPinpoints()), AnyResConfig.HF, true))
                : null;
        return build(
                file,
                () -> new LlavaConfig(
                        vision, text, "mlp2x_gelu", featureLayer, normalSelect(select), imageToken, anyRes));
    }

    /**
     * {@code image_grid_pinpoints}: a list of {@code [a, b]} pairs of positive integers, or {@code dflt}
     * when absent (null: required).
     */
    static List<int[]> pinpoints(JsonNode root, Path file, List<int[]> dflt) {
        String key = "image_grid_pinpoints";
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            if (dflt == null) {
                throw new CheckpointException(file + ": required key '" + key + "' is missing");
            }
            return dflt;
        }
        if (!v.isArray() || v.isEmpty()) {
            throw new CheckpointException(
                    file + ": '" + key + "' must be a non-empty list of [a, b] pairs of sizes, found " + v);
        }
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode p = v.get(i);
            if (!p.isArray()
                    || p.size() != 2
                    || !p.get(0).isIntegralNumber()
                    || !p.get(1).isIntegralNumber()
                    || !p.get(0).canConvertToInt()
                    || !p.get(1).canConvertToInt()
                    || p.get(0).intValue() <= 0
                    || p.get(1).intValue() <= 0) {
                throw new CheckpointException(
                        file + ": '" + key + "'[" + i + "] must be a pair of positive integers, found " + p);
            }
            out.add(new int[] {p.get(0).intValue(), p.get(1).intValue()});
        }
        return out;
    }

    /** An original LLaVA {@code LlavaLlamaForCausalLM} config: a flat LlamaConfig plus {@code mm_*} keys. */
    static LlavaConfig originalLlava(JsonNode root, Path file, VisionConfig vision) {
        boolean mistral = "llava_mistral".equals(root.path("model_type").asText(""));
        boolean tie = bool(root, "tie_word_embeddings", false, file);
        TextConfig text = mistral ? mistral(root, file, "", tie) : llama(root, file, "", tie);
        String projector = string(root, "mm_projector_type", "linear", file);
        if (!projector.equals("linear") && !projector.equals("mlp2x_gelu")) {
            throw new CheckpointException(
                    file + ": mm_projector_type '" + projector + "' is not supported (linear or mlp2x_gelu)");
        }
        int featureLayer = requiredInt(root, "mm_vision_select_layer", file);
        String select = string(root, "mm_vision_select_feature", "patch", file);
        String mapped = switch (select) {
            case "patch" -> "default";
            case "cls_patch" -> "full";
            default ->
                throw new CheckpointException(
                        file + ": mm_vision_select_feature '" + select + "' is not supported (patch or cls_patch)");
        };
        if (root.has("mm_hidden_size") && integer(root, "mm_hidden_size", 0, file) != vision.hiddenSize()) {
            throw new CheckpointException(file + ": mm_hidden_size " + root.get("mm_hidden_size")
                    + " does not match the vision tower's hidden_size " + vision.hiddenSize());
        }
        AnyResConfig anyRes = originalAnyRes(root, file);
        // Original LLaVA marks the image position with the out-of-vocabulary id -200 in code, not a token.
        return build(file, () -> new LlavaConfig(vision, text, projector, featureLayer, mapped, -1, anyRes));
    }

    /** The AnyRes settings of an original LLaVA config ({@code image_aspect_ratio: anyres}), or null. */
    private static AnyResConfig originalAnyRes(JsonNode root, Path file) {
        String aspect = string(root, "image_aspect_ratio", "square", file);
        if (aspect.equals("pad") || aspect.equals("square")) {
            return null;
        }
        if (!aspect.equals("anyres")) {
            throw new CheckpointException(
                    file + ": image_aspect_ratio '" + aspect + "' is not supported (pad, square or anyres)");
        }
        // llava_arch.py reads getattr(config, 'mm_patch_merge_type', 'flat')
        String merge = string(root, "mm_patch_merge_type", "flat", file);
        if (!merge.equals("spatial_unpad")) {
            throw new CheckpointException(file + ": mm_patch_merge_type '" + merge
                    + "' is not supported with image_aspect_ratio anyres (only spatial_unpad, as in LLaVA-v1.6)");
        }
        List<int[]> points = pinpoints(root, file, null);
        return build(file, () -> new AnyResConfig(points, AnyResConfig.LLAVA, true));
    }

    /** A CLIPVisionConfig: the node itself, or its {@code vision_config} for a full CLIPConfig. */
    static VisionConfig clipVision(JsonNode node, Path file, String where) {
        JsonNode v = node.has("vision_config") ? node.get("vision_config") : node;
        String w = node.has("vision_config") ? where + "vision_config." : where;
        int hidden = integer(v, "hidden_size", 768, file);
        int inter = integer(v, "intermediate_size", 3072, file);
        int layers = integer(v, "num_hidden_layers", 12, file);
        int heads = integer(v, "num_attention_heads", 12, file);
        int image = integer(v, "image_size", 224, file);
        int patch = integer(v, "patch_size", 32, file);
        double eps = number(v, "layer_norm_eps", 1e-5, file);
        String act = string(v, "hidden_act", "quick_gelu", file);
        int channels = integer(v, "num_channels", 3, file);
        if (channels != 3) {
            throw new CheckpointException(file + ": " + w + "num_channels " + channels + " is not supported (only 3)");
        }
        return build(file, () -> new VisionConfig(hidden, inter, layers, heads, image, patch, eps, act));
    }

    /** Defaults of a transformers text config class for keys a file leaves out. */
    private record TextDefaults(int intermediate, int kvHeads, int maxPositions) {}

    private static final TextDefaults LLAMA = new TextDefaults(11008, -1, 2048);
    private static final TextDefaults MISTRAL = new TextDefaults(14336, 8, 4096 * 32);

    /** A LlamaConfig with transformers' defaults for absent keys. */
    static TextConfig llama(JsonNode n, Path file, String where, boolean tie) {
        return text(n, file, where, tie, LLAMA);
    }

    /**
     * A MistralConfig (LLaMA-shaped with grouped KV heads) with transformers' defaults for absent keys;
     * sliding-window attention shorter than the context is refused.
     */
    static TextConfig mistral(JsonNode n, Path file, String where, boolean tie) {
        TextConfig t = text(n, file, where, tie, MISTRAL);
        JsonNode window = n.get("sliding_window");
        if (window != null && !window.isNull()) {
            int w = integer(n, "sliding_window", 0, file);
            if (w < t.maxPositionEmbeddings()) {
                throw new CheckpointException(file + ": " + where + "sliding_window " + w
                        + " is shorter than the context; sliding-window attention is not supported");
            }
        }
        return t;
    }

    private static TextConfig text(JsonNode n, Path file, String where, boolean tie, TextDefaults d) {
        int hidden = integer(n, "hidden_size", 4096, file);
        int inter = integer(n, "intermediate_size", d.intermediate(), file);
        int layers = integer(n, "num_hidden_layers", 32, file);
        int heads = integer(n, "num_attention_heads", 32, file);
        int kv = n.hasNonNull("num_key_value_heads")
                ? integer(n, "num_key_value_heads", heads, file)
                : d.kvHeads() > 0 ? d.kvHeads() : heads;
        int vocab = integer(n, "vocab_size", 32000, file);
        double eps = number(n, "rms_norm_eps", 1e-6, file);
        double theta = number(n, "rope_theta", 10000.0, file);
        int maxPos = integer(n, "max_position_embeddings", d.maxPositions(), file);
        String act = string(n, "hidden_act", "silu", file);
        if (!act.equals("silu")) {
            throw new CheckpointException(
                    file + ": " + where + "hidden_act '" + act + "' is not supported (only silu)");
        }
        // Newer transformers keep RoPE settings in rope_parameters; only plain RoPE is implemented.
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode rope = n.get(key);
            if (rope != null && rope.isObject()) {
                String type = rope.has("rope_type")
                        ? rope.get("rope_type").asText()
                        : rope.has("type") ? rope.get("type").asText() : "default";
                if (!type.equals("default")) {
                    throw new CheckpointException(
                            file + ": " + where + key + " of type '" + type + "' is not supported (only plain RoPE)");
                }
                if (rope.has("rope_theta")) {
                    theta = number(rope, "rope_theta", theta, file);
                }
            }
        }
        if (n.hasNonNull("head_dim") && heads > 0 && integer(n, "head_dim", 0, file) * heads != hidden) {
            throw new CheckpointException(file + ": " + where + "head_dim " + n.get("head_dim")
                    + " differs from hidden_size / num_attention_heads, which is not supported");
        }
        double ropeTheta = theta;
        return build(file, () -> new TextConfig(hidden, inter, layers, heads, kv, vocab, eps, ropeTheta, maxPos, tie));
    }

    /** Keys that set the language model's tensor shapes. */
    private static final List<String> TEXT_SHAPE_KEYS =
            List.of("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size");

    /** Keys that set the vision tower's tensor shapes. */
    private static final List<String> VISION_SHAPE_KEYS =
            List.of("hidden_size", "intermediate_size", "num_hidden_layers", "image_size", "patch_size");

    /**
     * The keys of a config that set tensor shapes but are absent, so that transformers' defaults (LLaMA-7B,
     * CLIP ViT-L/14-336) stand in for them: for llava-hf the {@code text_config} and {@code vision_config}
     * sections or their size keys, for original LLaVA the flat size keys. Used to explain weights that do
     * not match the configuration.
     */
    static List<String> absentShapeKeys(JsonNode root, String layout) {
        List<String> out = new ArrayList<>();
        if (layout.equals(Checkpoint.LLAVA_ORIGINAL)) {
            absent(root, "", TEXT_SHAPE_KEYS, out);
            return out;
        }
        for (String section : List.of("text_config", "vision_config")) {
            JsonNode n = root.get(section);
            if (n == null || n.isNull()) {
                out.add("'" + section + "'");
            } else if (section.equals("text_config")) {
                absent(n, section + ".", TEXT_SHAPE_KEYS, out);
            } else {
                absent(n, section + ".", VISION_SHAPE_KEYS, out);
            }
        }
        return out;
    }

    private static void absent(JsonNode n, String where, List<String> keys, List<String> out) {
        for (String k : keys) {
            if (!n.hasNonNull(k)) {
                out.add("'" + where + k + "'");
            }
        }
    }

    // ---- writing

    static ObjectNode llavaHfJson(LlavaConfig c) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add(c.isAnyRes() ? NEXT_ARCHITECTURE : "LlavaForConditionalGeneration");
        root.put("model_type", c.isAnyRes() ? "llava_next" : "llava");
        if (c.isAnyRes()) {
            putPinpoints(root, c.anyRes());
        }
        root.put("image_token_index", c.imageTokenId());
        root.put("projector_hidden_act", "gelu");
        root.put("vision_feature_layer", c.visionFeatureLayer());
        root.put("vision_feature_select_strategy", "full".equals(c.visionFeatureSelect()) ? "full" : "default");
        root.put("tie_word_embeddings", c.text().tieWordEmbeddings());
        root.set("text_config", llamaJson(c.text()).put("model_type", "llama"));
        root.set("vision_config", clipVisionJson(c.vision()));
        return root;
    }

    static ObjectNode originalLlavaJson(LlavaConfig c, String visionTower) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("LlavaLlamaForCausalLM");
        root.put("model_type", "llava_llama");
        root.setAll(llamaJson(c.text()));
        root.put("tie_word_embeddings", c.text().tieWordEmbeddings());
        root.put("mm_vision_tower", visionTower);
        root.put("mm_projector_type", c.projectorType());
        root.put("mm_vision_select_layer", c.visionFeatureLayer());
        root.put("mm_vision_select_feature", "full".equals(c.visionFeatureSelect()) ? "cls_patch" : "patch");
        root.put("mm_hidden_size", c.vision().hiddenSize());
        root.put("mm_use_im_start_end", false);
        root.put("mm_use_im_patch_token", false);
        if (c.isAnyRes()) {
            root.put("image_aspect_ratio", "anyres");
            root.put("mm_patch_merge_type", "spatial_unpad");
            putPinpoints(root, c.anyRes());
        }
        return root;
    }

    private static void putPinpoints(ObjectNode root, AnyResConfig a) {
        var list = root.putArray("image_grid_pinpoints");
        for (int[] p : a.pinpoints()) {
            list.addArray().add(p[0]).add(p[1]);
        }
    }

    static ObjectNode llamaJson(TextConfig t) {
        ObjectNode n = JSON.createObjectNode();
        n.put("hidden_size", t.hiddenSize());
        n.put("intermediate_size", t.intermediateSize());
        n.put("num_hidden_layers", t.numLayers());
        n.put("num_attention_heads", t.numHeads());
        n.put("num_key_value_heads", t.numKeyValueHeads());
        n.put("vocab_size", t.vocabSize());
        n.put("rms_norm_eps", t.rmsNormEps());
        n.put("rope_theta", t.ropeTheta());
        n.put("max_position_embeddings", t.maxPositionEmbeddings());
        n.put("hidden_act", "silu");
        n.put("tie_word_embeddings", t.tieWordEmbeddings());
        return n;
    }

    static ObjectNode clipVisionJson(VisionConfig v) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", "clip_vision_model");
        n.put("hidden_size", v.hiddenSize());
        n.put("intermediate_size", v.intermediateSize());
        n.put("num_hidden_layers", v.numLayers());
        n.put("num_attention_heads", v.numHeads());
        n.put("image_size", v.imageSize());
        n.put("patch_size", v.patchSize());
        n.put("layer_norm_eps", v.layerNormEps());
        n.put("hidden_act", v.hiddenAct());
        n.put("num_channels", 3);
        return n;
    }

    // ---- typed access with errors naming the file and key

    private static String normalSelect(String s) {
        return s.equals("patch") ? "default" : s;
    }

    interface Factory<T> {
        T make();
    }

    static <T> T build(Path file, Factory<T> f) {
        try {
            return f.make();
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    static int requiredInt(JsonNode n, String key, Path file) {
        if (!n.hasNonNull(key)) {
            throw new CheckpointException(file + ": required key '" + key + "' is missing");
        }
        return integer(n, key, 0, file);
    }

    static int integer(JsonNode n, String key, int dflt, Path file) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' must be an integer, found " + v);
        }
        return v.intValue();
    }

    static double number(JsonNode n, String key, double dflt, Path file) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new CheckpointException(file + ": '" + key + "' must be a number, found " + v);
        }
        return v.doubleValue();
    }

    static boolean bool(JsonNode n, String key, boolean dflt, Path file) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new CheckpointException(file + ": '" + key + "' must be true or false, found " + v);
        }
        return v.booleanValue();
    }

    static String string(JsonNode n, String key, String dflt, Path file) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw new CheckpointException(file + ": '" + key + "' must be a string, found " + v);
        }
        return v.asText();
    }
}
