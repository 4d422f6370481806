package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.RandomCheckpointWriter;
import org.transprune.checkpoint.SafetensorsStreamWriter;
import org.transprune.checkpoint.TensorType;
import org.transprune.checkpoint.TinyCheckpoints;
import org.transprune.config.LlavaConfig;
import org.transprune.config.ModelPresets;
import org.transprune.image.RgbImage;
import org.transprune.model.WeightPolicy;
import org.transprune.pipeline.LlavaPipeline;

class MakeCheckpointCommandTest {
    @TempDir
    Path tmp;

    @Test
    void theLlavaNextPresetKeepsItsAnyResSettingsAndPlansTheImageNewline() {
        LlavaConfig preset = ModelPresets.config("llava-next-7b");
        LlavaConfig config = MakeCheckpointCommand.checkpointConfig(preset, 1);
        assertTrue(config.isAnyRes());
        assertEquals(preset.anyRes(), config.anyRes());
        assertEquals(1, config.text().numLayers());
        RandomCheckpointWriter w =
                MakeCheckpointCommand.writer(config, TensorType.BF16, 0, RandomCheckpointWriter.HF_SHARD_BYTES);
        long newline = -1;
        for (var t : w.tensors()) {
            if (t.name().endsWith("image_newline")) {
                newline = t.elements();
            }
        }
        assertEquals(4096, newline, "one image_newline vector of the hidden size");
    }

    @Test
    void theSevenBillionPlanHasTheRealSizeAndHuggingFaceShards() {
        LlavaConfig config = MakeCheckpointCommand.checkpointConfig(ModelPresets.config("llava-1.5-7b"), null);
        RandomCheckpointWriter w =
                MakeCheckpointCommand.writer(config, TensorType.BF16, 0, RandomCheckpointWriter.HF_SHARD_BYTES);
        SafetensorsStreamWriter plan = w.plan();
        long params = 0;
        for (var t : w.tensors()) {
            params += t.elements();
        }
        // LLaVA-1.5-7B: 6.74 B (Vicuna-7B) + 0.30 B (CLIP ViT-L/14-336) + 0.02 B (projector).
        assertEquals(7.06e9, params, 0.01e9);
        assertEquals(2 * params, plan.index().get("metadata").get("total_size").asLong());
        assertEquals(3, plan.shards().size());
        for (SafetensorsStreamWriter.Shard s : plan.shards()) {
            assertTrue(s.dataBytes() <= RandomCheckpointWriter.HF_SHARD_BYTES, s.fileName());
        }
        assertEquals(4, config.imageTokenId());
        assertEquals(32000, MakeCheckpointCommand.tokenizerWords(32000).size() + 5);
    }

    @Test
    void writesACheckpointThePipelineLoadsAndAnswersWith() {
        LlavaConfig tiny = MakeCheckpointCommand.checkpointConfig(TinyCheckpoints.tinyConfig(), null);
        Path dir =
                MakeCheckpointCommand.writer(tiny, TensorType.BF16, 3, 60_000).write(tmp.resolve("ckpt"), (d, t) -> {});
        try (LlavaPipeline p =
                LlavaPipeline.open(dir, new LlavaPipeline.Options("cpu", WeightPolicy.HALF, "vicuna_v1", null))) {
            LlavaPipeline.Answer a =
                    p.answer("what color is the square ?", RgbImage.filled(60, 60, 1, 2, 3), null, 0, 3);
            assertEquals(16, a.prompt().imageLength());
            assertTrue(a.generation().tokens().length > 0);
        }
    }

    @Test
    void dryRunPrintsThePlanOfEveryPreset() {
        for (String preset : ModelPresets.names()) {
            int code = Main.commandLine()
                    .execute(
                            "make-checkpoint",
                            "--preset",
                            preset,
                            "--dry-run",
                            tmp.resolve(preset).toString());
            assertEquals(0, code, preset);
        }
        assertEquals(
                2,
                Main.commandLine()
                        .execute(
                                "make-checkpoint",
                                "--preset",
                                "llava-1.5-7b",
                                "--dtype",
                                "int8",
                                "--dry-run",
                                tmp.resolve("x").toString()));
    }
}
