package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.QwenConfig;
import org.transprune.config.QwenPresets;
import org.transprune.config.QwenVisionConfig;
import org.transprune.config.TextConfig;

/** Qwen2.5-VL checkpoints: config.json and tensor names in the released and the newer layout, and the errors. */
class QwenCheckpointTest {

    static QwenConfig tiny() {
        QwenVisionConfig v = new QwenVisionConfig(2, 32, 48, 2, 14, 2, 2, 56, List.of(1), 64);
        TextConfig t = new TextConfig(64, 128, 2, 4, 2, 100, 1e-6, 10000.0, 256, true);
        return new QwenConfig(v, t, List.of(2, 3, 3), 99, 97, 98);
    }

    private static Path write(Path dir, QwenConfig c, boolean nested) {
        return RandomCheckpointWriter.qwen(c, nested)
                .dtype(TensorType.F32)
                .seed(4)
                .maxShardBytes(200_000)
                .write(dir, (done, total) -> {});
    }

    @Test
    void bothLayoutsOpenToTheSameConfigurationAndTensors(@TempDir Path tmp) throws IOException {
        QwenConfig c = tiny();
        Path released = write(tmp.resolve("released"), c, false);
        Path nested = write(tmp.resolve("nested"), c, true);
        String releasedJson = Files.readString(released.resolve("config.json"));
        assertTrue(releasedJson.contains("\"hidden_size\" : 64"), "text keys at the top level");
        assertFalse(releasedJson.contains("text_config"));
        assertTrue(Files.readString(nested.resolve("config.json")).contains("text_config"));
        try (QwenCheckpoint a = QwenCheckpoints.open(released);
                QwenCheckpoint b = QwenCheckpoints.open(nested);
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(c, a.config());
            assertEquals(c, b.config());
            QwenCheckpoints.validate(a);
            QwenCheckpoints.validate(b);
            Map<String, long[]> shapes = CanonicalNames.qwenShapes(c);
            assertEquals(shapes.keySet(), a.tensors().names());
            assertEquals(shapes.keySet(), b.tensors().names());
            for (String name : List.of(
                    CanonicalNames.QWEN_PATCH_EMBED,
                    CanonicalNames.decoderLayer(1) + CanonicalNames.Q_BIAS,
                    CanonicalNames.EMBED_TOKENS,
                    CanonicalNames.QWEN_MERGER_FC_2 + "weight")) {
                assertArrayEquals(
                        a.tensors().fp32(name, m, shapes.get(name)).toFloatArray(),
                        b.tensors().fp32(name, m, shapes.get(name)).toFloatArray(),
                        name);
            }
        }
        // the released spelling is what the files hold
        try (TensorSource raw = Checkpoints.weights(released)) {
            assertTrue(raw.contains("visual.blocks.0.attn.qkv.weight"));
            assertTrue(raw.contains("model.layers.1.self_attn.k_proj.bias"));
            assertTrue(raw.contains("model.embed_tokens.weight"));
        }
        try (TensorSource raw = Checkpoints.weights(nested)) {
            assertTrue(raw.contains("model.visual.merger.ln_q.weight"));
            assertTrue(raw.contains("model.language_model.layers.0.self_attn.q_proj.bias"));
        }
    }

    @Test
    void theReleasedConfigFilesRead(@TempDir Path tmp) throws IOException {
        // Qwen/Qwen2.5-VL-3B-Instruct's config.json (the keys that matter), as released
        Files.writeString(tmp.resolve("config.json"), """
                {"architectures": ["Qwen2_5_VLForConditionalGeneration"], "bos_token_id": 151643,
                 "eos_token_id": 151645, "vision_start_token_id": 151652, "vision_end_token_id": 151653,
                 "vision_token_id": 151654, "image_token_id": 151655, "video_token_id": 151656,
                 "hidden_act": "silu", "hidden_size": 2048, "intermediate_size": 11008,
                 "max_position_embeddings": 128000, "max_window_layers": 70, "model_type": "qwen2_5_vl",
                 "num_attention_heads": 16, "num_hidden_layers": 36, "num_key_value_heads": 2,
                 "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
                 "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
                 "use_sliding_window": false,
                 "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420,
                   "num_heads": 16, "in_chans": 3, "out_hidden_size": 2048, "patch_size": 14,
                   "spatial_merge_size": 2, "spatial_patch_size": 14, "window_size": 112,
                   "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2, "temporal_patch_size": 2},
                 "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}, "vocab_size": 151936}
                """);
        assertEquals(QwenPresets.get(QwenPresets.QWEN2_5_VL_3B).config(), QwenCheckpoints.readConfig(tmp));
        assertTrue(QwenCheckpoints.isQwen(tmp));
    }

    @Test
    void clearErrorsNameTheFileAndKey(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("config.json");
        ObjectNode good = QwenConfigJson.json(tiny(), true);

        ObjectNode wrongType = good.deepCopy();
        wrongType.put("model_type", "qwen2_vl");
        Files.writeString(file, wrongType.toString());
        CheckpointException e = assertThrows(CheckpointException.class, () -> QwenCheckpoints.readConfig(tmp));
        assertTrue(
                e.getMessage().startsWith(file.toString()) && e.getMessage().contains("model_type 'qwen2_vl'"),
                e.getMessage());

        for (String key : QwenConfigJson.REQUIRED_VISION_KEYS) {
            ObjectNode missing = good.deepCopy();
            ((ObjectNode) missing.get("vision_config")).remove(key);
            Files.writeString(file, missing.toString());
            e = assertThrows(CheckpointException.class, () -> QwenCheckpoints.readConfig(tmp));
            assertEquals(file + ": required key 'vision_config." + key + "' is missing", e.getMessage());
        }
        ObjectNode noVision = good.deepCopy();
        noVision.remove("vision_config");
        Files.writeString(file, noVision.toString());
        e = assertThrows(CheckpointException.class, () -> QwenCheckpoints.readConfig(tmp));
        assertEquals(file + ": required key 'vision_config' is missing", e.getMessage());

        ObjectNode noMrope = good.deepCopy();
        ((ObjectNode) noMrope.get("text_config")).remove("rope_scaling");
        Files.writeString(file, noMrope.toString());
        e = assertThrows(CheckpointException.class, () -> QwenCheckpoints.readConfig(tmp));
        assertTrue(e.getMessage().contains("'text_config.rope_scaling.mrope_section' is missing"), e.getMessage());

        ObjectNode badSections = good.deepCopy();
        ((ObjectNode) badSections.get("text_config").get("rope_scaling"))
                .putArray("mrope_section")
                .add(4)
                .add(4)
                .add(4);
        Files.writeString(file, badSections.toString());
        e = assertThrows(CheckpointException.class, () -> QwenCheckpoints.readConfig(tmp));
        assertTrue(e.getMessage().startsWith(file + ": mrope_section [4, 4, 4] sums to 12"), e.getMessage());
    }

    @Test
    void theLlavaOpenerPointsAQwenCheckpointToItsOwnReader(@TempDir Path tmp) {
        Path dir = write(tmp.resolve("q"), tiny(), false);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains("Qwen2.5-VL checkpoint"), e.getMessage());
    }

    @Test
    void validationListsMissingAndMisshapenTensors(@TempDir Path tmp) throws IOException {
        QwenConfig c = tiny();
        Path dir = write(tmp.resolve("q"), c, false);
        // a config that claims a wider merger output than the tensors hold
        QwenConfig wider = new QwenConfig(
                new QwenVisionConfig(3, 32, 48, 2, 14, 2, 2, 56, List.of(1), 64),
                c.text(),
                c.mropeSection(),
                99,
                97,
                98);
        QwenCheckpoints.writeConfig(dir, wider, false);
        try (QwenCheckpoint ckpt = QwenCheckpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> QwenCheckpoints.validate(ckpt));
            assertTrue(e.getMessage().contains("missing visual.blocks.2.norm1.weight"), e.getMessage());
        }
    }
}
