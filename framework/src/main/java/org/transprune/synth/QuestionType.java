package org.transprune.synth;

import java.util.Arrays;
import java.util.List;

/** The question types of the benchmark, with their category names and complete answer sets. */
public enum QuestionType {
    /** "is there a red circle ?" -> yes / no. */
    EXIST("exist", List.of("yes", "no")),
    /** "what color is the square ?" -> a colour; asked only when exactly one square is present. */
    COLOR("color", colorWords()),
    /** "how many shapes are there ?" / "how many circles are there ?" -> "0".."5". */
    COUNT("count", List.of("0", "1", "2", "3", "4", "5")),
    /**
     * "is the triangle on the left or the right ?" / "is the triangle at the top or the bottom ?";
     * asked only when the object's box lies entirely in one half, clear of the centre line.
     */
    POSITION("position", List.of("left", "right", "top", "bottom")),
    /**
     * "is the red circle left or right of the blue square ?" / "... above or below ..."; asked only
     * when the two boxes are clearly separated along that axis.
     */
    RELATION("relation", List.of("left", "right", "above", "below"));

    private final String category;
    private final List<String> answers;

    QuestionType(String category, List<String> answers) {
        this.category = category;
        this.answers = answers;
    }

    private static List<String> colorWords() {
        return Arrays.stream(ShapeColor.values()).map(ShapeColor::word).toList();
    }

    /** The category name written to the question and answer files. */
    public String category() {
        return category;
    }

    /** Every answer a question of this type can have, in a fixed order. */
    public List<String> answers() {
        return answers;
    }

    /** Position of {@code answer} in {@link #answers()}; throws if it is not one of them. */
    public int answerIndex(String answer) {
        int i = answers.indexOf(answer);
        if (i < 0) {
            throw new IllegalArgumentException(category + " has no answer '" + answer + "'");
        }
        return i;
    }

    /** The type with this category name. */
    public static QuestionType ofCategory(String category) {
        for (QuestionType t : values()) {
            if (t.category.equals(category)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown question category: " + category);
    }
}
