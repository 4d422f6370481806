package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.SafetensorsFile;
import org.transprune.synth.Frame;

/**
 * The micro LLaVA-NeXT's training runs: frames take turns by step, a run resumes bit-exactly across
 * frames, the export is a llava-hf {@code llava_next} checkpoint, and a run can start from a micro
 * LLaVA checkpoint (same tensors, {@code image_newline} new).
 */
class MicroNextTrainerTest {

    @TempDir
    Path dir;

    /** Tiny sizes at the real 168 px views; packed questions, no stage A, no evaluation. */
    private static TrainingRecipe tiny(int steps) {
        return new TrainingRecipe(
                        32,
                        2,
                        48,
                        2,
                        96,
                        3,
                        4,
                        0,
                        3e-3,
                        2,
                        List.of(new TrainingRecipe.Phase(steps, 2)),
                        3e-3,
                        2,
                        0.3,
                        0.1,
                        0.05,
                        0.9,
                        0.95,
                        1.0,
                        0.5,
                        0,
                        0,
                        100)
                .withFrames(Frame.NEXT);
    }

    @Test
    void recipeRoundTripsAndFramesTakeTurns() {
        TrainingRecipe r = tiny(4);
        assertEquals(r, TrainingRecipe.fromJson(r.toJson()));
        assertTrue(r.anyRes());
        assertTrue(r.config().isAnyRes());
        assertEquals(new Frame(336, 168), r.frameOf(0));
        assertEquals(new Frame(168, 336), r.frameOf(4));
        assertEquals(new Frame(336, 336), r.frameOf(5));
        TrainingRecipe micro = TrainingRecipe.fromJson(r.withFrames(List.of()).toJson());
        assertFalse(micro.anyRes());
        assertFalse(micro.config().isAnyRes());
    }

    @Test
    void resumesBitExactlyAcrossFramesAndExportsALlavaNext() throws Exception {
        TrainingRecipe recipe = tiny(4);
        Path straight = dir.resolve("straight");
        List<Double> losses = new ArrayList<>();
        try (MicroTrainer t = MicroTrainer.start(recipe, straight)) {
            t.reporter(line -> {});
            t.train(4, Double.MAX_VALUE, s -> losses.add(s.loss()));
        }
        assertEquals(4, losses.size());
        losses.forEach(l -> assertTrue(Double.isFinite(l), "loss " + losses));
        Path split = dir.resolve("split");
        try (MicroTrainer t = MicroTrainer.start(recipe, split)) {
            t.reporter(line -> {});
            t.train(2, Double.MAX_VALUE, s -> {});
        }
        try (MicroTrainer t = MicroTrainer.resume(split)) {
            t.reporter(line -> {});
            assertEquals(2, t.step());
            t.train(4, Double.MAX_VALUE, s -> {});
        }
        try (SafetensorsFile a = SafetensorsFile.open(straight.resolve(MicroTrainer.STATE_FILE));
                SafetensorsFile b = SafetensorsFile.open(split.resolve(MicroTrainer.STATE_FILE))) {
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                assertEquals(a.bytes(name).duplicate(), b.bytes(name).duplicate(), name);
            }
        }
        try (Checkpoint c = Checkpoints.open(straight.resolve(MicroTrainer.MODEL_DIR))) {
            assertEquals(recipe.config(), c.config());
            assertTrue(c.tensors().names().contains(CanonicalNames.IMAGE_NEWLINE), "image_newline exported");
            String config =
                    Files.readString(straight.resolve(MicroTrainer.MODEL_DIR).resolve("config.json"));
            assertTrue(config.contains("llava_next"), config);
        }
    }

    @Test
    void startsFromAMicroLlavaCheckpoint() throws Exception {
        TrainingRecipe micro = tiny(1).withFrames(List.of());
        Path first = dir.resolve("micro");
        try (MicroTrainer t = MicroTrainer.start(micro, first)) {
            t.reporter(line -> {});
            t.train(1, Double.MAX_VALUE, s -> {});
        }
        Path model = first.resolve(MicroTrainer.MODEL_DIR);
        String name = "language_model.model.layers.1.mlp.down_proj.weight";
        try (MicroTrainer fresh = MicroTrainer.start(tiny(1), dir.resolve("fresh"));
                MicroTrainer next = MicroTrainer.startFrom(tiny(1), dir.resolve("next"), model);
                Checkpoint c = Checkpoints.open(model);
                ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
            float[] source = c.tensors().fp32(name, m, next.model().shape(name)).toFloatArray();
            assertArrayEquals(source, next.model().values(name), "weights come from the micro LLaVA");
            assertFalse(Arrays.equals(fresh.model().values(name), next.model().values(name)));
            assertArrayEquals(
                    fresh.model().values(CanonicalNames.IMAGE_NEWLINE),
                    next.model().values(CanonicalNames.IMAGE_NEWLINE),
                    "image_newline keeps its initial value");
            assertTrue(Files.readString(dir.resolve("next").resolve(MicroTrainer.INIT_FILE))
                    .contains("\"step\" : -1"));
        }
    }
}
