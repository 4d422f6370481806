package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.LlavaConfig;
import org.transprune.image.ImagePreprocessor;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Sample;
import org.transprune.synth.Scene;
import org.transprune.synth.SceneQuestions;
import org.transprune.text.Tokenizer;

/** The attention targets of a batch: which rows, which heads, which patches, how much weight. */
class AttentionSupervisionTest {
    @TempDir
    Path dir;

    /** A red circle top left and a blue square bottom right. */
    private static final Scene SCENE = NounProbeTest.SCENE;

    private static final Question RELATION =
            SceneQuestions.of(SCENE, QuestionType.RELATION).get(0);
    private static final Question EXIST_NO = SceneQuestions.of(SCENE, QuestionType.EXIST).stream()
            .filter(q -> q.answer().equals("no"))
            .findFirst()
            .orElseThrow();

    private BatchBuilder builder(LlavaConfig config, Tokenizer tokenizer) throws IOException {
        return new BatchBuilder(
                config, tokenizer, ImagePreprocessor.fromConfig(dir.resolve("preprocessor_config.json")));
    }

    @Test
    void relationHeadsPointAtTheirObjectsAndOtherQuestionsAtAllTheirPatches() throws Exception {
        LlavaConfig config = MicroModel.defaultConfig();
        MicroModel.writeTextAndImageFiles(dir, config);
        Question relation = RELATION;
        Question color = SceneQuestions.of(SCENE, QuestionType.COLOR).get(0);
        Sample sample = new Sample(0, SCENE, List.of(relation, color, EXIST_NO));
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            BatchBuilder builder = builder(config, tokenizer);
            PackedBatch batch =
                    builder.build(List.of(sample), true, 0.5f, new TrainingRecipe.Phase(1, 3, false, 0.3, 4));
            assertEquals(4, batch.attention().layer());
            int len = batch.text().length();
            int heads = config.text().numHeads();
            // The relation's two nouns and the colour question's noun, two heads each; the
            // exist-no question names an absent object and is left out.
            assertEquals(6, batch.attention().rows().length);
            int grid = config.vision().gridSize();
            List<int[]> expected = List.of(
                    only(relation, 0, grid),
                    only(relation, 0, grid),
                    only(relation, 1, grid),
                    only(relation, 1, grid),
                    color.relevantPatches(grid),
                    color.relevantPatches(grid));
            List<String> nouns = List.of(
                    nounOf(relation, 0),
                    nounOf(relation, 0),
                    nounOf(relation, 1),
                    nounOf(relation, 1),
                    nounOf(color, 0),
                    nounOf(color, 0));
            float total = 0;
            for (int k = 0; k < 6; k++) {
                long flat = batch.attention().rows()[k];
                assertEquals(k % 2, (flat / len) % heads, "head of row " + k);
                assertEquals(0, flat / len / heads, "image of row " + k);
                int row = (int) (flat % len);
                assertEquals(
                        tokenizer.tokenId(nouns.get(k)).getAsInt(),
                        batch.text().ids()[row],
                        "row " + k + " is not its noun");
                List<Integer> patches = new ArrayList<>();
                for (int c = 0; c < len; c++) {
                    float wgt = batch.attention().weights()[k * len + c];
                    if (wgt != 0) {
                        patches.add(c - batch.text().imageStart());
                        total += wgt;
                    }
                }
                assertArrayEquals(
                        expected.get(k),
                        patches.stream().mapToInt(Integer::intValue).toArray(),
                        "row " + k);
            }
            assertEquals(0.3f, total, 1e-5f, "weights average over the supervised rows");
            int[] subject = only(relation, 0, grid);
            int[] reference = only(relation, 1, grid);
            assertTrue(subject.length > 0 && reference.length > 0 && subject[0] != reference[0]);
            assertEquals(
                    null,
                    builder.build(List.of(sample), true, 0.5f, new TrainingRecipe.Phase(1, 3, false, 0, 4))
                            .attention(),
                    "no supervision at weight 0");
        }
        assertTrue(Files.exists(dir.resolve("tokenizer.json")));
    }

    @Test
    void answerRoutingPointsTheAnswerRowAtTheNouns() throws Exception {
        LlavaConfig config = MicroModel.defaultConfig();
        MicroModel.writeTextAndImageFiles(dir, config);
        Question relation = RELATION;
        Sample sample = new Sample(0, SCENE, List.of(relation, EXIST_NO));
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            BatchBuilder builder = builder(config, tokenizer);
            PackedBatch batch = builder.build(
                    List.of(sample), true, 0.5f, new TrainingRecipe.Phase(1, 2, false, 0.3, 4, 0, 0.2, 6));
            assertEquals(4, batch.attention().layer());
            assertEquals(6, batch.route().layer());
            int len = batch.text().length();
            int heads = config.text().numHeads();
            // Both questions' answer rows, heads 0 and 1: the relation's heads split over its two nouns,
            // the existence question's both point at its one noun (routing does not need the object present).
            assertEquals(4, batch.route().rows().length);
            List<String> expected = List.of(
                    relation.objects().get(0).kind().word(),
                    relation.objects().get(1).kind().word(),
                    "circle|square|triangle",
                    "circle|square|triangle");
            List<Long> answerRows = new ArrayList<>();
            for (int t = 0; t < batch.targetCount(); t++) {
                if (batch.text().targets().answer()[t]) {
                    answerRows.add(batch.text().targets().rows()[t]);
                }
            }
            float total = 0;
            for (int k = 0; k < 4; k++) {
                long flat = batch.route().rows()[k];
                assertEquals(k % 2, (flat / len) % heads, "head of route row " + k);
                long row = flat % len;
                assertEquals(answerRows.get(k / 2), row, "route row " + k + " is not the row that predicts the answer");
                List<Integer> columns = new ArrayList<>();
                for (int c = 0; c < len; c++) {
                    float w = batch.route().weights()[k * len + c];
                    if (w != 0) {
                        columns.add(c);
                        total += w;
                    }
                }
                assertEquals(1, columns.size(), "route row " + k);
                String word = tokenizer
                        .decode(new int[] {(int) batch.text().ids()[columns.get(0)]})
                        .trim();
                assertTrue(word.matches(expected.get(k)), "route row " + k + " points at '" + word + "'");
            }
            assertEquals(0.2f, total, 1e-5f);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> new TrainingRecipe.Phase(1, 2, false, 0.3, 4, 0, 0.2, 4),
                "routing and noun attention on the same heads of one layer");
    }

    @Test
    void countNounsAttendToOneAnchorPerObjectAndTheFirstToken() throws Exception {
        LlavaConfig config = MicroModel.defaultConfig();
        MicroModel.writeTextAndImageFiles(dir, config);
        int grid = config.vision().gridSize();
        Question countShapes = SceneQuestions.of(SCENE, QuestionType.COUNT).get(0);
        Question countTriangles = SceneQuestions.of(SCENE, QuestionType.COUNT).stream()
                .filter(q -> q.text().contains("triangles"))
                .findFirst()
                .orElseThrow();
        assertEquals("2", countShapes.answer());
        assertEquals("0", countTriangles.answer());
        Sample sample = new Sample(0, SCENE, List.of(countShapes, countTriangles));
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            PackedBatch batch = builder(config, tokenizer)
                    .build(
                            List.of(sample),
                            true,
                            0.5f,
                            new TrainingRecipe.Phase(1, 2, false, 0.3, 4, 0, 0, 0, true, 0));
            int len = batch.text().length();
            int start = batch.text().imageStart();
            // Centres (50, 60) and (245, 225) lie in cells row 2 col 1 and row 8 col 8 of the 12 x 12 grid.
            int[][] expected = {
                {0, start + 2 * grid + 1, start + 8 * grid + 8},
                {0, start + 2 * grid + 1, start + 8 * grid + 8},
                {0},
                {0}
            };
            assertEquals(4, batch.attention().rows().length, "two nouns, two heads each");
            for (int k = 0; k < 4; k++) {
                List<Integer> columns = new ArrayList<>();
                for (int c = 0; c < len; c++) {
                    if (batch.attention().weights()[k * len + c] != 0) {
                        columns.add(c);
                        assertEquals(
                                0.3f / 4 / expected[k].length, batch.attention().weights()[k * len + c], 1e-7f);
                    }
                }
                assertArrayEquals(
                        expected[k],
                        columns.stream().mapToInt(Integer::intValue).toArray(),
                        "row " + k);
            }
            // The tower's anchor head: exactly the two centre cells are anchors.
            float[] anchors = batch.images().anchorTargets();
            int n = config.imageTokens();
            List<Integer> hot = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                assertTrue(anchors[p * 2] == 0 ^ anchors[p * 2 + 1] == 0, "one class per patch");
                if (anchors[p * 2 + 1] != 0) {
                    hot.add(p);
                }
            }
            assertEquals(List.of(2 * grid + 1, 8 * grid + 8), hot);
            assertEquals(
                    null,
                    builder(config, tokenizer)
                            .build(List.of(sample), true, 0.5f, new TrainingRecipe.Phase(1, 2, false, 0.3, 4))
                            .images()
                            .anchorTargets(),
                    "no anchors unless asked");
        }
    }

    /** The kind word of the question's {@code object}-th object. */
    private static String nounOf(Question q, int object) {
        return q.objects().get(object).kind().word();
    }

    private static int[] only(Question q, int object, int grid) {
        return new Question(q.type(), q.text(), q.answer(), List.of(q.objects().get(object))).relevantPatches(grid);
    }
}
