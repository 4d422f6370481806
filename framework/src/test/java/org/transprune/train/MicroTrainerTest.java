package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.SafetensorsFile;
import org.transprune.synth.Scene;
import org.transprune.synth.SceneObject;
import org.transprune.synth.ShapeColor;
import org.transprune.synth.ShapeKind;

/** A few steps of a tiny recipe: the loss falls, the run resumes bit-exactly, the export loads. */
class MicroTrainerTest {

    @TempDir
    Path dir;

    /** Tiny sizes at the real 168 px input; stage A, then one phase of single and one of packed questions. */
    private static TrainingRecipe tiny(int stageA, int single, int packed, int evalImages) {
        return new TrainingRecipe(
                32,
                2,
                48,
                2,
                96,
                3,
                4,
                stageA,
                3e-3,
                4,
                List.of(new TrainingRecipe.Phase(single, 1), new TrainingRecipe.Phase(packed, 3)),
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
                evalImages,
                100);
    }

    @Test
    void lossFallsAndTheExportedCheckpointLoads() throws Exception {
        Path out = dir.resolve("run");
        List<Double> losses = new ArrayList<>();
        try (MicroTrainer t = MicroTrainer.start(tiny(0, 30, 0, 3), out)) {
            t.reporter(line -> {});
            t.train(Long.MAX_VALUE, Double.MAX_VALUE, s -> losses.add(s.loss()));
        }
        assertEquals(30, losses.size());
        double first = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
        double last = losses.subList(25, 30).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElseThrow();
        // Answer-token cross-entropy starts near ln(vocab) ~ 4.3; EOS and the answer sets are learned within steps.
        assertTrue(last < 0.6 * first, "loss did not fall: first " + first + ", last " + last);
        for (double l : losses) {
            assertTrue(Double.isFinite(l), "non-finite loss " + losses);
        }
        try (Checkpoint c = Checkpoints.open(out.resolve(MicroTrainer.MODEL_DIR))) {
            assertEquals(tiny(0, 30, 0, 3).config(), c.config());
            assertFalse(c.tensors().names().stream().anyMatch(n -> n.startsWith("aux")), "aux head exported");
        }
        List<String> csv = Files.readAllLines(out.resolve(TrainingLog.CSV));
        assertEquals(1 + 30 + 1, csv.size(), "header, 30 steps, one evaluation");
        assertTrue(csv.get(csv.size() - 1).startsWith("eval,30,"));
        assertTrue(Files.size(out.resolve(TrainingLog.PNG)) > 1000);
    }

    @Test
    void resumeContinuesBitExactly() throws Exception {
        TrainingRecipe recipe = tiny(1, 2, 5, 0);
        Path straight = dir.resolve("straight");
        try (MicroTrainer t = MicroTrainer.start(recipe, straight)) {
            t.train(4, Double.MAX_VALUE, s -> {});
        }
        Path split = dir.resolve("split");
        try (MicroTrainer t = MicroTrainer.start(recipe, split)) {
            t.train(2, Double.MAX_VALUE, s -> {});
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> MicroTrainer.start(recipe, split),
                "a second start must not overwrite a run");
        try (MicroTrainer t = MicroTrainer.resume(split)) {
            assertEquals(2, t.step());
            t.train(4, Double.MAX_VALUE, s -> {});
        }
        // Steps 0 (stage A), 1-2 (single questions), 3 (packed): the resume crosses into a new phase.
        try (SafetensorsFile a = SafetensorsFile.open(straight.resolve(MicroTrainer.STATE_FILE));
                SafetensorsFile b = SafetensorsFile.open(split.resolve(MicroTrainer.STATE_FILE))) {
            assertEquals(a.names(), b.names());
            assertEquals("4", b.metadata().get("step"));
            assertEquals(a.metadata().get("adam_steps"), b.metadata().get("adam_steps"));
            int differing = 0;
            for (String name : a.names()) {
                if (!bytes(a.bytes(name)).equals(bytes(b.bytes(name)))) {
                    differing++;
                }
            }
            assertEquals(0, differing, "tensors differ between the straight and the resumed run");
        }
        List<String> log = Files.readAllLines(split.resolve(TrainingLog.CSV));
        List<String> steps = log.stream()
                .filter(l -> l.startsWith("step,"))
                .map(l -> l.split(",")[1])
                .toList();
        assertEquals(List.of("1", "2", "3", "4"), steps, "log rows after resume continue without duplicates");
        // And the state really moved: the trained parameters differ from a fresh model's.
        try (SafetensorsFile b = SafetensorsFile.open(split.resolve(MicroTrainer.STATE_FILE));
                MicroTrainer fresh = MicroTrainer.start(recipe, dir.resolve("fresh"))) {
            String name = "param:language_model.model.layers.0.mlp.up_proj.weight";
            float[] trained = new float[(int) b.info(name).elements()];
            b.bytes(name).asFloatBuffer().get(trained);
            float[] initial = fresh.model().values("language_model.model.layers.0.mlp.up_proj.weight");
            assertFalse(Arrays.equals(trained, initial));
            assertArrayEquals(new long[] {96, 48}, b.info(name).shape());
        }
    }

    @Test
    void resumeCanExtendTheLastPhaseOnly() throws Exception {
        Path out = dir.resolve("extend");
        try (MicroTrainer t = MicroTrainer.start(tiny(0, 1, 1, 0), out)) {
            t.train(Long.MAX_VALUE, Double.MAX_VALUE, s -> {});
            assertEquals(2, t.step());
        }
        try (MicroTrainer t = MicroTrainer.resume(out, 2)) {
            assertEquals(4, t.recipe().totalSteps());
            t.train(Long.MAX_VALUE, Double.MAX_VALUE, s -> {});
            assertEquals(4, t.step());
        }
        assertEquals(
                tiny(0, 1, 3, 0), TrainingRecipe.fromJson(Files.readString(out.resolve(MicroTrainer.RECIPE_FILE))));
        try (MicroTrainer t = MicroTrainer.resume(out)) {
            assertEquals(4, t.step(), "the extended recipe is the saved one now");
        }
        assertThrows(IllegalArgumentException.class, () -> MicroTrainer.resume(out, -1));
    }

    @Test
    void captionsListEveryObjectLeftToRightWithItsHalves() {
        Scene scene = new Scene(
                3,
                List.of(
                        new SceneObject(ShapeKind.SQUARE, ShapeColor.GREEN, 250, 20, 40),
                        new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, 10, 200, 60),
                        new SceneObject(ShapeKind.TRIANGLE, ShapeColor.BLUE, 140, 150, 40)));
        // Centres x: 270, 40, 160 (frame centre 168); y: 40, 230, 170.
        assertEquals("red circle left bottom . blue triangle left bottom . green square right top", Captions.of(scene));
    }

    @Test
    void aCaptionPhaseTrainsOnCaptionTokensAndAnInitialisedRunStartsFromTheSourceWeights() throws Exception {
        Path source = dir.resolve("source");
        try (MicroTrainer t = MicroTrainer.start(tiny(0, 2, 0, 0), source)) {
            t.train(Long.MAX_VALUE, Double.MAX_VALUE, s -> {});
        }
        TrainingRecipe captions = new TrainingRecipe(
                32,
                2,
                48,
                2,
                96,
                3,
                4,
                0,
                3e-3,
                4,
                List.of(new TrainingRecipe.Phase(3, 2, true, 0.5, 1)),
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
                100);
        assertEquals(captions, TrainingRecipe.fromJson(captions.toJson()));
        // A recipe saved before phases had captions still reads, as caption-free.
        String before = tiny(0, 5, 0, 0).toJson().replaceAll(",\\s*\"captions\" : false", "");
        assertFalse(before.contains("captions"), before);
        assertEquals(
                new TrainingRecipe.Phase(5, 1),
                TrainingRecipe.fromJson(before).phases().get(0));
        Path out = dir.resolve("captions");
        List<Integer> questions = new ArrayList<>();
        try (MicroTrainer t = MicroTrainer.startFrom(captions, out, source.resolve(MicroTrainer.STATE_FILE))) {
            String name = "language_model.model.layers.0.mlp.up_proj.weight";
            try (SafetensorsFile f = SafetensorsFile.open(source.resolve(MicroTrainer.STATE_FILE))) {
                float[] saved = new float[(int) f.info("param:" + name).elements()];
                f.bytes("param:" + name)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .get(saved);
                assertArrayEquals(saved, t.model().values(name), "weights not taken from the source state");
            }
            assertEquals(0, t.step(), "a new run: progress is not inherited");
            t.train(Long.MAX_VALUE, Double.MAX_VALUE, s -> {});
        }
        // A run can also start from an exported checkpoint (fp16): LLaVA's tensors as stored, aux heads fresh.
        Path fromCheckpoint = dir.resolve("from-checkpoint");
        try (MicroTrainer t = MicroTrainer.startFrom(captions, fromCheckpoint, source.resolve(MicroTrainer.MODEL_DIR));
                Checkpoint c = Checkpoints.open(source.resolve(MicroTrainer.MODEL_DIR));
                NDManager m = NDManager.newBaseManager()) {
            String name = "language_model.model.layers.1.self_attn.q_proj.weight";
            assertArrayEquals(
                    c.tensors().fp32(name, m).toFloatArray(), t.model().values(name));
            try (MicroTrainer fresh = MicroTrainer.start(captions, dir.resolve("fresh-aux"))) {
                assertArrayEquals(
                        fresh.model().values(TrainingHeads.PATCH_WEIGHT),
                        t.model().values(TrainingHeads.PATCH_WEIGHT));
            }
        }
        assertTrue(
                Files.readString(fromCheckpoint.resolve(MicroTrainer.INIT_FILE)).contains("\"step\" : -1"));
        String init = Files.readString(out.resolve(MicroTrainer.INIT_FILE));
        assertTrue(
                init.contains("\"step\" : 2")
                        && init.contains(TrainState.sha256(source.resolve(MicroTrainer.STATE_FILE))),
                init);
        // Two questions per image are scored (accuracy); the caption adds targets but no scored answers.
        List<String> rows = Files.readAllLines(out.resolve(TrainingLog.CSV)).stream()
                .filter(l -> l.startsWith("step,"))
                .toList();
        assertEquals(3, rows.size());
        for (String r : rows) {
            String[] f = r.split(",");
            assertEquals("8", f[5], "scored questions per step: 4 images x 2 questions");
            // loss = answer + patch + attention: the attention supervision adds a positive term.
            double attention = Double.parseDouble(f[7]) - Double.parseDouble(f[8]) - Double.parseDouble(f[9]);
            assertTrue(attention > 0.05, "no attention loss in " + r);
        }
    }

    private static ByteBuffer bytes(ByteBuffer b) {
        return b.duplicate();
    }
}
