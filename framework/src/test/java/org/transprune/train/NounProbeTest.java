package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.SafetensorsFile;
import org.transprune.checkpoint.SafetensorsWriter;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.LlavaConfig;
import org.transprune.image.ImagePreprocessor;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Sample;
import org.transprune.synth.Scene;
import org.transprune.synth.SceneObject;
import org.transprune.synth.SceneQuestions;
import org.transprune.synth.ShapeColor;
import org.transprune.synth.ShapeKind;
import org.transprune.text.Tokenizer;

/** The noun probe: which nouns it reads, what they should carry, its loss, and old states without it. */
class NounProbeTest {
    @TempDir
    Path dir;

    /** A tiny model of {@link #CONFIG} with its tokenizer and batch builder, files in {@code dir}. */
    private static final class Fixture implements AutoCloseable {
        final Tokenizer tokenizer;
        final NDManager root;
        final TrainableLlava model;
        final BatchBuilder builder;

        Fixture(Path dir) throws IOException {
            MicroModel.writeTextAndImageFiles(dir, CONFIG);
            Engine.getInstance();
            tokenizer = Tokenizer.load(dir);
            root = NDManager.newBaseManager(Device.cpu());
            model = new TrainableLlava(CONFIG, root, 3);
            builder = new BatchBuilder(
                    CONFIG, tokenizer, ImagePreprocessor.fromConfig(dir.resolve("preprocessor_config.json")));
        }

        @Override
        public void close() {
            model.close();
            root.close();
            tokenizer.close();
        }
    }

    private static final LlavaConfig CONFIG = MicroModel.config(32, 1, 48, 3, 96);

    /** A red circle centred at (50, 60) and a blue square centred at (245, 225), in 336 px. */
    static final Scene SCENE = new Scene(
            5,
            List.of(
                    new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, 20, 30, 60),
                    new SceneObject(ShapeKind.SQUARE, ShapeColor.BLUE, 220, 200, 50)));

    @Test
    void nounsOfOneObjectGetItsColourAndCentreCell() {
        int colors = ShapeColor.values().length;
        // 12 x 12 grid of 28 px cells: centre (50, 60) -> row 2, column 1; (245, 225) -> row 8, column 8.
        int[] circle = {ShapeColor.RED.ordinal(), colors + 2, colors + 12 + 1};
        int[] square = {ShapeColor.BLUE.ordinal(), colors + 8, colors + 12 + 8};
        Question relation = SceneQuestions.of(SCENE, QuestionType.RELATION).get(0);
        assertEquals(ShapeKind.CIRCLE, relation.objects().get(0).kind());
        List<NounProbe.Target> r = NounProbe.targets(relation, List.of(2, 8), 12);
        assertEquals(2, r.size());
        assertEquals(2, r.get(0).token());
        assertArrayEquals(circle, r.get(0).classes());
        assertEquals(8, r.get(1).token());
        assertArrayEquals(square, r.get(1).classes());
        Question color = SceneQuestions.of(SCENE, QuestionType.COLOR).stream()
                .filter(q -> q.text().contains("square"))
                .findFirst()
                .orElseThrow();
        assertArrayEquals(
                square, NounProbe.targets(color, List.of(4), 12).get(0).classes());
        Question existNo = SceneQuestions.of(SCENE, QuestionType.EXIST).stream()
                .filter(q -> q.answer().equals("no"))
                .findFirst()
                .orElseThrow();
        assertTrue(NounProbe.targets(existNo, List.of(4), 12).isEmpty(), "an absent object has no attributes");
        Question countShapes = SceneQuestions.of(SCENE, QuestionType.COUNT).get(0);
        assertEquals("2", countShapes.answer());
        assertTrue(NounProbe.targets(countShapes, List.of(2), 12).isEmpty(), "two objects are not one object");
    }

    @Test
    void theAnswerProbeAsksForTheSubjectAndTheReferenceInSeparateGroups() throws Exception {
        Question relation = SceneQuestions.of(SCENE, QuestionType.RELATION).get(0);
        // Subject: the circle, cell row 2 column 1; reference: the square, row 8 column 8.
        assertArrayEquals(new int[] {2, 12 + 1, 24 + 8, 36 + 8}, NounProbe.answerTargets(relation, 12));
        Question color = SceneQuestions.of(SCENE, QuestionType.COLOR).stream()
                .filter(q -> q.text().contains("circle"))
                .findFirst()
                .orElseThrow();
        assertArrayEquals(new int[] {2, 12 + 1}, NounProbe.answerTargets(color, 12));
        Question existNo = SceneQuestions.of(SCENE, QuestionType.EXIST).stream()
                .filter(q -> q.answer().equals("no"))
                .findFirst()
                .orElseThrow();
        assertNull(NounProbe.answerTargets(existNo, 12));

        try (Fixture f = new Fixture(dir)) {
            TrainableLlava model = f.model;
            NDManager root = f.root;
            BatchBuilder builder = f.builder;
            PackedBatch batch = builder.build(
                    List.of(new Sample(0, SCENE, List.of(relation, color, existNo))),
                    true,
                    0.5f,
                    new TrainingRecipe.Phase(1, 3, false, 0, 0, 0, 0, 2, false, 0.4));
            List<Long> answerRows = new ArrayList<>();
            for (int t = 0; t < batch.targetCount(); t++) {
                if (batch.text().targets().answer()[t]) {
                    answerRows.add(batch.text().targets().rows()[t]);
                }
            }
            assertArrayEquals(
                    new long[] {answerRows.get(0), answerRows.get(1)},
                    batch.answerProbe().rows());
            int classes = NounProbe.answerClasses(12);
            float total = 0;
            for (float w : batch.answerProbe().weights()) {
                total += w;
            }
            assertEquals(0.4f * (4 + 2) / 2, total, 1e-5f, "six groups over two rows");
            assertEquals(2 * classes, batch.answerProbe().weights().length);
            try (NDManager step = root.newSubManager()) {
                double uniform = 0.4 * 6 / 2 * Math.log(12);
                assertEquals(uniform, model.forward(batch, step).probeLoss().getFloat(), 0.1 * uniform);
            }
        }
    }

    @Test
    void theBatchPointsTheProbeAtNounsAndTheLossStartsNearUniform() throws Exception {
        LlavaConfig config = CONFIG;
        Question relation = SceneQuestions.of(SCENE, QuestionType.RELATION).get(0);
        Question color = SceneQuestions.of(SCENE, QuestionType.COLOR).get(0);
        Question existNo = SceneQuestions.of(SCENE, QuestionType.EXIST).stream()
                .filter(q -> q.answer().equals("no"))
                .findFirst()
                .orElseThrow();
        Sample sample = new Sample(0, SCENE, List.of(relation, color, existNo));
        try (Fixture f = new Fixture(dir)) {
            TrainableLlava model = f.model;
            NDManager root = f.root;
            Tokenizer tokenizer = f.tokenizer;
            BatchBuilder builder = f.builder;
            float weight = 0.5f;
            PackedBatch batch =
                    builder.build(List.of(sample), true, 0.5f, new TrainingRecipe.Phase(1, 3, false, 0, 1, weight));
            assertEquals(1, batch.nounProbe().layer(), "the probe alone selects the layer");
            assertNull(batch.attention(), "no attention supervision");
            // Relation: two nouns; colour: one; exist-no: none.
            assertEquals(3, batch.nounProbe().rows().length);
            int classes = NounProbe.classes(config.vision().gridSize());
            List<String> nouns = List.of(
                    relation.objects().get(0).kind().word(),
                    relation.objects().get(1).kind().word(),
                    color.objects().get(0).kind().word());
            float total = 0;
            for (int k = 0; k < 3; k++) {
                int row = (int) batch.nounProbe().rows()[k];
                assertEquals(
                        tokenizer.tokenId(nouns.get(k)).getAsInt(), batch.text().ids()[row], "probe row " + k);
                List<Integer> hot = new ArrayList<>();
                for (int c = 0; c < classes; c++) {
                    float w = batch.nounProbe().weights()[k * classes + c];
                    if (w != 0) {
                        hot.add(c);
                        total += w;
                    }
                }
                assertEquals(3, hot.size(), "one class per group");
            }
            assertEquals(3 * weight, total, 1e-5f, "each group averages over the probe rows");
            try (NDManager step = root.newSubManager()) {
                TrainableLlava.Output o = model.forward(batch, step);
                assertNotNull(o.probeLoss());
                // Small initial weights: each group's cross-entropy is close to ln(group size).
                double uniform =
                        weight * (Math.log(6) + 2 * Math.log(config.vision().gridSize()));
                assertEquals(uniform, o.probeLoss().getFloat(), 0.1 * uniform);
                assertNull(model.forward(
                                builder.build(
                                        List.of(sample), true, 0.5f, new TrainingRecipe.Phase(1, 3, false, 0, 1, 0)),
                                step)
                        .probeLoss());
                // The tower's anchor head adds its binary cross-entropy to the patch loss, near ln 2 at the start.
                float plain = model.forward(
                                builder.build(
                                        List.of(sample), true, 0.5f, new TrainingRecipe.Phase(1, 3, false, 0, 1, 0)),
                                step)
                        .patchLoss()
                        .getFloat();
                float anchored = model.forward(
                                builder.build(
                                        List.of(sample),
                                        true,
                                        0.5f,
                                        new TrainingRecipe.Phase(1, 3, false, 0, 1, 0, 0, 0, true, 0)),
                                step)
                        .patchLoss()
                        .getFloat();
                assertEquals(0.5 * Math.log(2), anchored - plain, 0.1 * 0.5 * Math.log(2));
            }
            // The anchor head learns: its loss has a gradient (a whole-axis slice once cut it off the graph).
            try (NDManager step = root.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(model.forward(
                                builder.build(
                                        List.of(sample),
                                        true,
                                        0.5f,
                                        new TrainingRecipe.Phase(1, 3, false, 0, 1, 0, 0, 0, true, 0)),
                                step)
                        .patchLoss());
                float[] g =
                        model.parameter(TrainingHeads.ANCHOR_BIAS).getGradient().toFloatArray();
                // Two anchors among 144 patches: the "anchor" class is mostly wrong, its bias must go down.
                assertTrue(g[1] > 0.1 * 0.5 && g[0] < -0.1 * 0.5, Arrays.toString(g));
            }
        }
    }

    @Test
    void aStateSavedBeforeTheProbeExistedResumesWithAFreshProbe() throws Exception {
        Path out = dir.resolve("run");
        TrainingRecipe recipe = new TrainingRecipe(
                32,
                1,
                48,
                2,
                96,
                3,
                4,
                0,
                3e-3,
                2,
                List.of(new TrainingRecipe.Phase(2, 2, false, 0.3, 1, 0.5)),
                3e-3,
                1,
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
        assertEquals(recipe, TrainingRecipe.fromJson(recipe.toJson()));
        try (MicroTrainer t = MicroTrainer.start(recipe, out)) {
            t.reporter(line -> {});
            t.train(1, Double.MAX_VALUE, s -> {});
        }
        // Rewrite the state without the probe's tensors, as a run from before the probe saved it.
        Path state = out.resolve(MicroTrainer.STATE_FILE);
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(state)) {
            f.metadata().forEach(w::metadata);
            for (String name : f.names()) {
                if (!name.contains("noun_probe")) {
                    float[] v = new float[(int) f.info(name).elements()];
                    f.bytes(name).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                    w.add(name, v, TensorType.F32, f.info(name).shape());
                }
            }
        }
        w.write(state);
        try (MicroTrainer resumed = MicroTrainer.resume(out);
                MicroTrainer fresh = MicroTrainer.start(recipe, dir.resolve("fresh"))) {
            assertEquals(1, resumed.step());
            assertArrayEquals(
                    fresh.model().values(TrainingHeads.PROBE_WEIGHT),
                    resumed.model().values(TrainingHeads.PROBE_WEIGHT));
            resumed.reporter(line -> {});
            List<Double> losses = new ArrayList<>();
            resumed.train(2, Double.MAX_VALUE, s -> losses.add(s.loss()));
            assertEquals(1, losses.size());
            assertTrue(Double.isFinite(losses.get(0)));
        }
    }
}
