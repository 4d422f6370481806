package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.AnyResConfig;
import org.transprune.config.LlavaConfig;
import org.transprune.config.ModelPresets;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/** LLaVA-NeXT configs in both layouts: AnyRes settings, Mistral text, errors, names of image_newline. */
class LlavaNextConfigTest {
    private static final Path FILE = Path.of("ckpt", "config.json");
    private static final VisionConfig CLIP_L336 = new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu");
    private static final String PINPOINTS = "[[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]";

    private static JsonNode json(String s) throws Exception {
        return ConfigJson.JSON.readTree(s);
    }

    private static void assertStandard(AnyResConfig a, String rules) {
        assertEquals(new AnyResConfig(AnyResConfig.standardPinpoints(), rules, true), a);
        assertArrayEquals(new int[] {336, 672}, a.pinpoints().get(0));
    }

    /** llava-hf/llava-v1.6-mistral-7b-hf's config.json (abridged): sparse Mistral text_config. */
    @Test
    void llavaHfMistralNext() throws Exception {
        LlavaConfig c = ConfigJson.llavaHf(json("""
                {"architectures": ["LlavaNextForConditionalGeneration"], "ignore_index": -100,
                 "image_grid_pinpoints": %s, "image_token_index": 32000, "model_type": "llava_next",
                 "projector_hidden_act": "gelu",
                 "text_config": {"_name_or_path": "mistralai/Mistral-7B-Instruct-v0.2",
                   "architectures": ["MistralForCausalLM"], "intermediate_size": 14336,
                   "max_position_embeddings": 32768, "model_type": "mistral", "num_key_value_heads": 8,
                   "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "sliding_window": null, "vocab_size": 32064},
                 "use_image_newline_parameter": true,
                 "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096,
                   "model_type": "clip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 24,
                   "patch_size": 14, "projection_dim": 768, "vocab_size": 32000},
                 "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}
                """.formatted(PINPOINTS)), FILE);
        assertEquals(CLIP_L336, c.vision());
        assertEquals(new TextConfig(4096, 14336, 32, 32, 8, 32064, 1e-5, 1_000_000.0, 32768, false), c.text());
        assertTrue(c.isAnyRes());
        assertStandard(c.anyRes(), AnyResConfig.HF);
        assertEquals(-2, c.visionFeatureLayer());
        assertEquals("default", c.visionFeatureSelect());
        assertEquals(32000, c.imageTokenId());
    }

    /** llava-hf/llava-v1.6-vicuna-7b-hf without pinpoints takes LlavaNextConfig's default ones. */
    @Test
    void llavaHfVicunaNextWithDefaultPinpoints() throws Exception {
        LlavaConfig c = ConfigJson.llavaHf(json("""
                {"model_type": "llava_next", "text_config": {"model_type": "llama", "max_position_embeddings": 4096,
                 "rms_norm_eps": 1e-05, "vocab_size": 32064}}
                """), FILE);
        assertEquals(new TextConfig(4096, 11008, 32, 32, 32, 32064, 1e-5, 10000.0, 4096, false), c.text());
        assertStandard(c.anyRes(), AnyResConfig.HF);
        assertFalse(
                ConfigJson.llavaHf(json("{\"model_type\": \"llava\"}"), FILE).isAnyRes());
    }

    /** liuhaotian/llava-v1.6-vicuna-7b's config.json (abridged): the original rules. */
    @Test
    void originalVicunaNext() throws Exception {
        LlavaConfig c = ConfigJson.originalLlava(
                json(originalNext("LlavaLlamaForCausalLM", "llava_llama", "")), FILE, CLIP_L336);
        assertEquals(new TextConfig(4096, 11008, 32, 32, 32, 32000, 1e-5, 10000.0, 4096, false), c.text());
        assertStandard(c.anyRes(), AnyResConfig.LLAVA);
    }

    /** liuhaotian/llava-v1.6-mistral-7b: LlavaMistralForCausalLM, flat Mistral keys. */
    @Test
    void originalMistralNext() throws Exception {
        LlavaConfig c = ConfigJson.originalLlava(
                json(originalNext(
                        "LlavaMistralForCausalLM",
                        "llava_mistral",
                        "\"rope_theta\": 1000000.0, \"sliding_window\": null, \"num_key_value_heads\": 8,")),
                FILE,
                CLIP_L336);
        assertEquals(8, c.text().numKeyValueHeads());
        assertEquals(1_000_000.0, c.text().ropeTheta());
        assertStandard(c.anyRes(), AnyResConfig.LLAVA);
    }

    private static String originalNext(String arch, String type, String extra) {
        return """
                {"architectures": ["%s"], "model_type": "%s", %s
                 "hidden_size": 4096, "intermediate_size": %d, "max_position_embeddings": 4096,
                 "num_attention_heads": 32, "num_hidden_layers": 32, "rms_norm_eps": 1e-05, "vocab_size": 32000,
                 "image_aspect_ratio": "anyres", "image_grid_pinpoints": %s, "mm_patch_merge_type": "spatial_unpad",
                 "mm_hidden_size": 1024, "mm_projector_type": "mlp2x_gelu", "mm_vision_select_feature": "patch",
                 "mm_vision_select_layer": -2, "mm_vision_tower": "openai/clip-vit-large-patch14-336"}
                """.formatted(arch, type, extra, type.equals("llava_mistral") ? 14336 : 11008, PINPOINTS);
    }

    @Test
    void malformedPinpointsNameTheFileAndKey() throws Exception {
        for (String bad : new String[] {"[[336]]", "[[336, 672], [\"a\", 2]]", "\"(1x1),(2x2)\"", "[]", "[[0, 336]]"}) {
            CheckpointException e = assertThrows(
                    CheckpointException.class,
                    () -> ConfigJson.llavaHf(
                            json("{\"model_type\": \"llava_next\", \"image_grid_pinpoints\": " + bad + "}"), FILE));
            assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("'image_grid_pinpoints'"), e.getMessage());
        }
        CheckpointException notMultiple = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.llavaHf(
                        json("{\"model_type\": \"llava_next\", \"image_grid_pinpoints\": [[336, 672], [300, 600]]}"),
                        FILE));
        assertTrue(notMultiple.getMessage().startsWith(FILE + ": "), notMultiple.getMessage());
        assertTrue(notMultiple.getMessage().contains("image_grid_pinpoints[1]"), notMultiple.getMessage());
        assertTrue(notMultiple.getMessage().contains("336"), notMultiple.getMessage());
    }

    @Test
    void originalAnyResNeedsSpatialUnpadAndPinpoints() throws Exception {
        String base = originalNext("LlavaLlamaForCausalLM", "llava_llama", "");
        CheckpointException merge = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.originalLlava(json(base.replace("\"spatial_unpad\"", "\"flat\"")), FILE, CLIP_L336));
        assertTrue(merge.getMessage().contains(FILE + ": mm_patch_merge_type 'flat'"), merge.getMessage());
        CheckpointException points = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.originalLlava(
                        json(base.replace("\"image_grid_pinpoints\": " + PINPOINTS + ",", "")), FILE, CLIP_L336));
        assertTrue(points.getMessage().contains(FILE + ": required key 'image_grid_pinpoints'"), points.getMessage());
        CheckpointException aspect = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.originalLlava(json(base.replace("\"anyres\"", "\"anyres_max_9\"")), FILE, CLIP_L336));
        assertTrue(aspect.getMessage().contains("image_aspect_ratio 'anyres_max_9'"), aspect.getMessage());
        assertNull(ConfigJson.originalLlava(json(base.replace("\"anyres\"", "\"pad\"")), FILE, CLIP_L336)
                .anyRes());
    }

    @Test
    void shortSlidingWindowIsRefused() throws Exception {
        CheckpointException e = assertThrows(
                CheckpointException.class,
                () -> ConfigJson.llavaHf(
                        json("{\"model_type\": \"llava_next\", \"text_config\": {\"model_type\": \"mistral\","
                                + " \"sliding_window\": 4096}}"),
                        FILE));
        assertTrue(e.getMessage().contains("text_config.sliding_window 4096"), e.getMessage());
    }

    @Test
    void writtenConfigsReadBackWithTheirLayoutsRules() {
        LlavaConfig next = ModelPresets.config(ModelPresets.LLAVA_NEXT_MISTRAL_7B);
        assertEquals(AnyResConfig.LLAVA, next.anyRes().rules());
        LlavaConfig hf = ConfigJson.llavaHf(ConfigJson.llavaHfJson(next), FILE);
        assertEquals(next.withAnyRes(next.anyRes().withRules(AnyResConfig.HF)), hf);
        LlavaConfig original =
                ConfigJson.originalLlava(ConfigJson.originalLlavaJson(next, "clip"), FILE, next.vision());
        assertEquals(next, original);
    }

    @Test
    void nextPresetsCarryAnyResAndKeepThePaperFigure() {
        ModelPresets.Preset next = ModelPresets.get(ModelPresets.LLAVA_NEXT_7B);
        assertStandard(next.config().anyRes(), AnyResConfig.LLAVA);
        assertStandard(ModelPresets.config(ModelPresets.LLAVA_NEXT_MISTRAL_7B).anyRes(), AnyResConfig.LLAVA);
        assertNull(ModelPresets.config(ModelPresets.LLAVA_1_5_7B).anyRes());
        // the paper's LLaVA-NeXT-7B figure: 20.83 TFLOPs unpruned under the 2880-token convention
        double tflops = org.transprune.cost.CostModel.of(next.config().text())
                        .totalFlops(org.transprune.cost.PruneSchedule.unpruned(next.imageTokens()))
                / 1e12;
        assertEquals(20.83, tflops, 0.005);
        // the largest AnyRes prompt of the standard pinpoints: 576 + 48 * 49
        assertEquals(2928, next.config().anyRes().maxImageTokens(336, 24));
    }

    @Test
    void imageNewlineNames() {
        LlavaConfig next = ModelPresets.config(ModelPresets.LLAVA_NEXT_7B);
        assertArrayEquals(new long[] {4096}, CanonicalNames.shapes(next).get(CanonicalNames.IMAGE_NEWLINE));
        assertFalse(CanonicalNames.shapes(ModelPresets.config(ModelPresets.LLAVA_1_5_7B))
                .containsKey(CanonicalNames.IMAGE_NEWLINE));
        assertEquals(CanonicalNames.IMAGE_NEWLINE, CanonicalNames.fromLlavaHf("image_newline"));
        assertEquals(CanonicalNames.IMAGE_NEWLINE, CanonicalNames.fromLlavaHf("model.image_newline"));
        assertEquals("model.image_newline", CanonicalNames.toNewLlavaHf(CanonicalNames.IMAGE_NEWLINE));
        assertEquals(
                CanonicalNames.IMAGE_NEWLINE, CanonicalNames.fromOriginalLlava("model.image_newline", "mlp2x_gelu"));
        assertEquals("model.image_newline", CanonicalNames.toOriginalLlava(CanonicalNames.IMAGE_NEWLINE, "mlp2x_gelu"));
    }

    /** A tiny LLaVA-NeXT: 56 px tower, pinpoints of 56 px multiples. */
    static LlavaConfig tinyNext() {
        return TinyCheckpoints.tinyConfig()
                .withAnyRes(new AnyResConfig(
                        List.of(new int[] {56, 112}, new int[] {112, 56}, new int[] {112, 112}),
                        AnyResConfig.HF,
                        true));
    }

    @Test
    void tinyNextCheckpointsOpenInBothLayoutsAndNameAMissingNewline(@TempDir Path tmp) throws Exception {
        LlavaConfig config = tinyNext();
        for (boolean newNames : new boolean[] {false, true}) {
            Path dir = TinyCheckpoints.builder(config).newNames(newNames).writeLlavaHf(tmp.resolve("hf" + newNames));
            try (Checkpoint c = Checkpoints.open(dir)) {
                assertEquals(config, c.config());
                Checkpoints.validate(c);
                assertTrue(c.tensors().contains(CanonicalNames.IMAGE_NEWLINE));
            }
        }
        Path orig = TinyCheckpoints.builder(config).writeOriginal(tmp.resolve("orig"), tmp.resolve("clip"));
        try (Checkpoint c = Checkpoints.open(orig)) {
            assertEquals(
                    config.anyRes().withRules(AnyResConfig.LLAVA), c.config().anyRes());
            assertEquals(config.text(), c.config().text());
            Checkpoints.validate(c);
        }

        // the same files without image_newline: validation names the checkpoint and the tensor
        Path bare = tmp.resolve("bare");
        TinyCheckpoints.builder(TinyCheckpoints.tinyConfig()).writeLlavaHf(bare);
        Files.writeString(
                bare.resolve("config.json"), ConfigJson.llavaHfJson(config).toPrettyString());
        try (Checkpoint c = Checkpoints.open(bare)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validate(c));
            assertTrue(e.getMessage().contains(bare.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("image_newline"), e.getMessage());
        }
    }
}
