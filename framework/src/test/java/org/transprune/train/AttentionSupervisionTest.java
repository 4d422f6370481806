package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.image.ImagePreprocessor;
import org.transprune.model.LlavaConfig;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Sample;
import org.transprune.synth.Scene;
import org.transprune.synth.SceneObject;
import org.transprune.synth.SceneQuestions;
import org.transprune.synth.ShapeColor;
import org.transprune.synth.ShapeKind;
import org.transprune.text.Tokenizer;

/** The attention targets of a batch: which rows, which heads, which patches, how much weight. */
class AttentionSupervisionTest {
    @TempDir
    Path dir;

    @Test
    void relationHeadsPointAtTheirObjectsAndOtherQuestionsAtAllTheirPatches() throws Exception {
        LlavaConfig config = MicroModel.defaultConfig();
        MicroModel.writeTextAndImageFiles(dir, config);
        Scene scene = new Scene(5, List.of(
                new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, 20, 30, 60),
                new SceneObject(ShapeKind.SQUARE, ShapeColor.BLUE, 220, 200, 50)));
        Question relation = SceneQuestions.of(scene, QuestionType.RELATION).get(0);
        Question color = SceneQuestions.of(scene, QuestionType.COLOR).get(0);
        Question existNo = SceneQuestions.of(scene, QuestionType.EXIST).stream()
                .filter(q -> q.answer().equals("no")).findFirst().orElseThrow();
        Sample sample = new Sample(0, scene, List.of(relation, color, existNo));
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            BatchBuilder builder = new BatchBuilder(config, tokenizer,
                    ImagePreprocessor.fromConfig(dir.resolve("preprocessor_config.json")));
            PackedBatch batch = builder.build(List.of(sample), true, 0.5f, false, 0.3f, 4, 0f);
            assertEquals(4, batch.attentionLayer());
            int len = batch.length();
            int heads = config.text().numHeads();
            // The relation's two nouns and the colour question's noun, two heads each; the
            // exist-no question names an absent object and is left out.
            assertEquals(6, batch.attentionRows().length);
            int grid = config.vision().gridSize();
            List<int[]> expected = List.of(only(relation, 0, grid), only(relation, 0, grid), only(relation, 1, grid),
                    only(relation, 1, grid), color.relevantPatches(grid), color.relevantPatches(grid));
            List<String> nouns = List.of(nounOf(relation, 0), nounOf(relation, 0), nounOf(relation, 1), nounOf(relation, 1),
                    nounOf(color, 0), nounOf(color, 0));
            float total = 0;
            for (int k = 0; k < 6; k++) {
                long flat = batch.attentionRows()[k];
                assertEquals(k % 2, (flat / len) % heads, "head of row " + k);
                assertEquals(0, flat / len / heads, "image of row " + k);
                int row = (int) (flat % len);
                assertEquals(tokenizer.tokenId(nouns.get(k)).getAsInt(), batch.ids()[row], "row " + k + " is not its noun");
                List<Integer> patches = new ArrayList<>();
                for (int c = 0; c < len; c++) {
                    float wgt = batch.attentionWeights()[k * len + c];
                    if (wgt != 0) {
                        patches.add(c - batch.imageStart());
                        total += wgt;
                    }
                }
                assertArrayEquals(expected.get(k), patches.stream().mapToInt(Integer::intValue).toArray(), "row " + k);
            }
            assertEquals(0.3f, total, 1e-5f, "weights average over the supervised rows");
            int[] subject = only(relation, 0, grid);
            int[] reference = only(relation, 1, grid);
            assertTrue(subject.length > 0 && reference.length > 0 && subject[0] != reference[0]);
            assertEquals(-1, builder.build(List.of(sample), true, 0.5f, false, 0f, 4, 0f).attentionLayer(),
                    "no supervision at weight 0");
        }
        assertTrue(Files.exists(dir.resolve("tokenizer.json")));
    }

    /** The kind word of the question's {@code object}-th object. */
    private static String nounOf(Question q, int object) {
        return q.objects().get(object).kind().word();
    }

    private static int[] only(Question q, int object, int grid) {
        return new Question(q.type(), q.text(), q.answer(), List.of(q.objects().get(object))).relevantPatches(grid);
    }
}
