package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

class ConfigJsonTest {
    private static final Path FILE = Path.of("config.json");

    private static JsonNode json(String s) throws Exception {
        return ConfigJson.JSON.readTree(s);
    }

    /** llava-hf/llava-1.5-7b-hf's config.json: most fields are left to the transformers defaults. */
    @Test
    void sparseLlavaHfConfigTakesTransformersDefaults() throws Exception {
        LlavaConfig c = ConfigJson.llavaHf(json("""
                {"architectures": ["LlavaForConditionalGeneration"], "ignore_index": -100,
                 "image_token_index": 32000, "model_type": "llava", "pad_token_id": 32001,
                 "projector_hidden_act": "gelu",
                 "text_config": {"_name_or_path": "lmsys/vicuna-7b-v1.5", "architectures": ["LlamaForCausalLM"],
                   "max_position_embeddings": 4096, "model_type": "llama", "rms_norm_eps": 1e-05,
                   "torch_dtype": "float16", "vocab_size": 32064},
                 "tie_word_embeddings": false, "torch_dtype": "float16",
                 "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096,
                   "model_type": "clip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 24,
                   "patch_size": 14, "projection_dim": 768, "vocab_size": 32000},
                 "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}
                """), FILE);
        assertEquals(new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu"), c.vision());
        assertEquals(new TextConfig(4096, 11008, 32, 32, 32, 32064, 1e-5, 10000.0, 4096, false), c.text());
        assertEquals(new LlavaConfig(c.vision(), c.text(), "mlp2x_gelu", -2, "default", 32000), c);
        assertEquals(576, c.imageTokens());
    }

    @Test
    void emptyLlavaHfConfigIsLlava7bDefaults() throws Exception {
        LlavaConfig c = ConfigJson.llavaHf(json("{}"), FILE);
        assertEquals(new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu"), c.vision());
        assertEquals(new TextConfig(4096, 11008, 32, 32, 32, 32000, 1e-6, 10000.0, 2048, false), c.text());
        assertEquals(32000, c.imageTokenId());
    }

    @Test
    void tieFlagInTextConfigIsHonoured() throws Exception {
        LlavaConfig c = ConfigJson.llavaHf(json("{\"text_config\": {\"tie_word_embeddings\": true}}"), FILE);
        assertTrue(c.text().tieWordEmbeddings());
    }

    /** liuhaotian/llava-v1.5-7b's config.json (abridged) and openai/clip-vit-large-patch14-336's. */
    @Test
    void originalLlavaAndFullClipConfig() throws Exception {
        VisionConfig v = ConfigJson.clipVision(json("""
                {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 768,
                 "text_config": {"hidden_size": 768},
                 "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096,
                   "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14,
                   "projection_dim": 768, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05}}
                """), FILE, "");
        assertEquals(new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu"), v);
        LlavaConfig c = ConfigJson.originalLlava(json("""
                {"architectures": ["LlavaLlamaForCausalLM"], "hidden_act": "silu", "hidden_size": 4096,
                 "intermediate_size": 11008, "max_position_embeddings": 4096, "mm_hidden_size": 1024,
                 "mm_projector_type": "mlp2x_gelu", "mm_vision_select_feature": "patch",
                 "mm_vision_select_layer": -2, "mm_vision_tower": "openai/clip-vit-large-patch14-336",
                 "model_type": "llava", "num_attention_heads": 32, "num_hidden_layers": 32,
                 "num_key_value_heads": 32, "rms_norm_eps": 1e-05, "rope_scaling": null,
                 "tie_word_embeddings": false, "vocab_size": 32000}
                """), FILE, v);
        assertEquals(
                new LlavaConfig(
                        v,
                        new TextConfig(4096, 11008, 32, 32, 32, 32000, 1e-5, 10000.0, 4096, false),
                        "mlp2x_gelu",
                        -2,
                        "default",
                        -1),
                c);
    }

    @Test
    void unsupportedSettingsAreNamed() throws Exception {
        CheckpointException e = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.llavaHf(
                        json("{\"text_config\": {\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}}}"), FILE));
        assertTrue(e.getMessage().contains("rope_scaling") && e.getMessage().contains("linear"), e.getMessage());
        e = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.llavaHf(json("{\"text_config\": {\"model_type\": \"qwen2\"}}"), FILE));
        assertTrue(e.getMessage().contains("qwen2"), e.getMessage());
        e = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.llavaHf(json("{\"text_config\": {\"num_attention_heads\": 5}}"), FILE));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("not divisible"), e.getMessage());
    }
}
