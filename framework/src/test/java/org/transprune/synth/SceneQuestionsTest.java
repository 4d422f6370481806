package org.transprune.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Answers on scenes placed by hand, where the right answer is known without the generator. */
class SceneQuestionsTest {
    private static final SceneObject RED_CIRCLE_TOP_LEFT =
            new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, 20, 30, 60); // box x 20..79, y 30..89
    private static final SceneObject BLUE_SQUARE_BOTTOM_RIGHT =
            new SceneObject(ShapeKind.SQUARE, ShapeColor.BLUE, 240, 250, 50); // box x 240..289, y 250..299

    /** Question text -> answer for one type. */
    private static Map<String, String> answers(Scene s, QuestionType t) {
        return SceneQuestions.of(s, t).stream().collect(Collectors.toMap(Question::text, Question::answer));
    }

    @Test
    void singleRedCircleOnTheLeft() {
        Scene s = new Scene(1, List.of(RED_CIRCLE_TOP_LEFT));
        Map<String, String> exist = answers(s, QuestionType.EXIST);
        assertEquals(18, exist.size());
        assertEquals("yes", exist.get("is there a red circle ?"));
        assertEquals("no", exist.get("is there a blue circle ?"));
        assertEquals("no", exist.get("is there a red square ?"));
        assertEquals("no", exist.get("is there an orange triangle ?"));
        assertEquals(1, exist.values().stream().filter("yes"::equals).count());

        assertEquals(Map.of("what color is the circle ?", "red"), answers(s, QuestionType.COLOR));

        Map<String, String> count = answers(s, QuestionType.COUNT);
        assertEquals("1", count.get("how many shapes are there ?"));
        assertEquals("1", count.get("how many circles are there ?"));
        assertEquals("0", count.get("how many squares are there ?"));
        assertEquals("0", count.get("how many triangles are there ?"));

        Map<String, String> position = answers(s, QuestionType.POSITION);
        assertEquals("left", position.get("is the circle on the left or the right ?"));
        assertEquals("left", position.get("is the red circle on the left or the right ?"));
        assertEquals("top", position.get("is the circle at the top or the bottom ?"));
        assertEquals(4, position.size());

        assertTrue(SceneQuestions.of(s, QuestionType.RELATION).isEmpty(), "one object has no relations");
    }

    @Test
    void relationBetweenTwoObjects() {
        Scene s = new Scene(1, List.of(RED_CIRCLE_TOP_LEFT, BLUE_SQUARE_BOTTOM_RIGHT));
        Map<String, String> rel = answers(s, QuestionType.RELATION);
        assertEquals("left", rel.get("is the red circle left or right of the blue square ?"));
        assertEquals("right", rel.get("is the square left or right of the circle ?"));
        assertEquals("above", rel.get("is the circle above or below the blue square ?"));
        assertEquals("below", rel.get("is the blue square above or below the red circle ?"));
        Question q = SceneQuestions.of(s, QuestionType.RELATION).get(0);
        assertEquals(2, q.objects().size());
        assertEquals("2", answers(s, QuestionType.COUNT).get("how many shapes are there ?"));
        assertEquals("right", answers(s, QuestionType.POSITION).get("is the square on the left or the right ?"));
        assertEquals("bottom", answers(s, QuestionType.POSITION).get("is the square at the top or the bottom ?"));
    }

    @Test
    void noRelationOrPositionWithoutClearSeparation() {
        // Side by side at the same height: left/right is clear, above/below is not.
        SceneObject a = new SceneObject(ShapeKind.TRIANGLE, ShapeColor.GREEN, 100, 140, 60); // x 100..159
        SceneObject b = new SceneObject(ShapeKind.SQUARE, ShapeColor.YELLOW, 163, 150, 40); // x 163..202: 3 px gap
        Scene s = new Scene(1, List.of(a, b));
        assertTrue(SceneQuestions.of(s, QuestionType.RELATION).isEmpty(), "a 3 px gap is not a clear separation");
        // Both boxes straddle the vertical centre region (y 140..199 and 150..189), and b crosses x = 168.
        assertTrue(SceneQuestions.of(s, QuestionType.POSITION).stream()
                .noneMatch(q -> q.text().contains("top or the bottom")));
        assertTrue(SceneQuestions.of(s, QuestionType.POSITION).stream()
                .noneMatch(q -> q.text().contains("the square on the left")));
        // a ends at x1 = 160 = 168 - 8: just clear of the centre line.
        assertEquals("left", answers(s, QuestionType.POSITION).get("is the triangle on the left or the right ?"));
    }

    @Test
    void ambiguousNamesAreNotAsked() {
        SceneObject sq1 = new SceneObject(ShapeKind.SQUARE, ShapeColor.RED, 10, 10, 40);
        SceneObject sq2 = new SceneObject(ShapeKind.SQUARE, ShapeColor.PURPLE, 200, 10, 40);
        SceneObject sq3 = new SceneObject(ShapeKind.SQUARE, ShapeColor.PURPLE, 200, 200, 40);
        Scene s = new Scene(1, List.of(sq1, sq2, sq3));
        assertTrue(SceneQuestions.of(s, QuestionType.COLOR).isEmpty(), "three squares: no 'the square'");
        Map<String, String> position = answers(s, QuestionType.POSITION);
        assertEquals("left", position.get("is the red square on the left or the right ?"));
        assertFalse(
                position.keySet().stream().anyMatch(t -> t.contains("purple") || t.contains("the square ")),
                "two purple squares and three squares cannot be named");
        assertEquals("3", answers(s, QuestionType.COUNT).get("how many squares are there ?"));
        Question existYes = SceneQuestions.of(s, QuestionType.EXIST).stream()
                .filter(q -> q.text().equals("is there a purple square ?"))
                .findFirst()
                .orElseThrow();
        assertEquals(List.of(sq2, sq3), existYes.objects(), "yes depends on every matching object");
        Question existNo = SceneQuestions.of(s, QuestionType.EXIST).stream()
                .filter(q -> q.text().equals("is there a purple circle ?"))
                .findFirst()
                .orElseThrow();
        assertTrue(existNo.objects().isEmpty());
        assertEquals(0, existNo.relevantPatches(24).length);
    }

    @Test
    void overlappingObjectsAreRejected() {
        SceneObject a = new SceneObject(ShapeKind.SQUARE, ShapeColor.RED, 10, 10, 40);
        SceneObject b = new SceneObject(ShapeKind.CIRCLE, ShapeColor.BLUE, 49, 49, 40);
        assertThrows(IllegalArgumentException.class, () -> new Scene(1, List.of(a, b)));
        assertThrows(
                IllegalArgumentException.class, () -> new SceneObject(ShapeKind.SQUARE, ShapeColor.RED, 300, 10, 40));
    }
}
