package org.transprune.train;

import java.util.ArrayList;
import java.util.List;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Scene;
import org.transprune.synth.SceneObject;
import org.transprune.synth.ShapeColor;

/**
 * Targets of the training-only noun probe ({@link TrainingRecipe.Phase#probe()}): for each object
 * noun of a question that names exactly one object, the object's colour and the grid row and column
 * of its box centre. A relation's first noun names its subject, the second its reference; any other
 * question's nouns name the question's objects when there is exactly one (a colour or position
 * question, an existence question answered yes by one object, a count of one). Nouns of absent or
 * several objects are left out: what they should carry is not one object's attributes.
 *
 * <p>The probe is three softmaxes over a linear head: colours, rows, columns. A second probe, the
 * answer probe ({@link TrainingRecipe.Phase#answerProbe()}), reads the row that predicts the answer
 * at the routing layer and predicts the centre cells of the subject and (for relations) the
 * reference, in separate groups: the answer row must hold both objects' places apart, which a
 * relation needs and a sum of two alike heads would lose.
 */
public final class NounProbe {
    private NounProbe() {}

    /** Output classes of the probe head for a {@code grid x grid} patch grid. */
    public static int classes(int grid) {
        return ShapeColor.values().length + 2 * grid;
    }

    /** Sizes of the probe's softmax groups, in head order. */
    public static int[] groups(int grid) {
        return new int[] {ShapeColor.values().length, grid, grid};
    }

    /**
     * One probe target.
     *
     * @param token index of the noun among the question's tokens
     * @param classes the head output that is right in each group (colour, row, column), as indices into the head
     */
    public record Target(int token, int[] classes) {}

    /**
     * The targets of a question.
     *
     * @param nouns indices of the object nouns among the question's tokens, in order
     */
    public static List<Target> targets(Question q, List<Integer> nouns, int grid) {
        List<Target> out = new ArrayList<>();
        if (q.type() == QuestionType.RELATION) {
            if (nouns.size() == 2 && q.objects().size() == 2) {
                for (int j = 0; j < 2; j++) {
                    out.add(new Target(nouns.get(j), classesOf(q.objects().get(j), grid, q)));
                }
            }
            return out;
        }
        if (q.objects().size() == 1) {
            int[] c = classesOf(q.objects().get(0), grid, q);
            for (int n : nouns) {
                out.add(new Target(n, c));
            }
        }
        return out;
    }

    /** Output classes of the answer probe: subject row, subject column, reference row, reference column. */
    public static int answerClasses(int grid) {
        return 4 * grid;
    }

    /** Sizes of the answer probe's softmax groups, in head order. */
    public static int[] answerGroups(int grid) {
        return new int[] {grid, grid, grid, grid};
    }

    /**
     * The answer probe's targets for a question, as head indices: a relation's subject and reference
     * centre cells (four groups); the centre cell of a question's only object (the subject groups only);
     * null when the question names no single object.
     */
    public static int[] answerTargets(Question q, int grid) {
        if (q.type() == QuestionType.RELATION && q.objects().size() == 2) {
            int a = centreCell(q.objects().get(0), grid, q.width(), q.height());
            int b = centreCell(q.objects().get(1), grid, q.width(), q.height());
            return new int[] {a / grid, grid + a % grid, 2 * grid + b / grid, 3 * grid + b % grid};
        }
        if (q.type() != QuestionType.RELATION && q.objects().size() == 1) {
            int a = centreCell(q.objects().get(0), grid, q.width(), q.height());
            return new int[] {a / grid, grid + a % grid};
        }
        return null;
    }

    /** Head indices of an object's colour, centre row and centre column. */
    static int[] classesOf(SceneObject o, int grid, Question frame) {
        int colors = ShapeColor.values().length;
        int cell = centreCell(o, grid, frame.width(), frame.height());
        return new int[] {o.color().ordinal(), colors + cell / grid, colors + grid + cell % grid};
    }

    /**
     * The row-major index of the grid cell that holds the object's box centre (its anchor patch). Two
     * objects never share one: boxes keep a gap, so centres are at least 42 px (1.5 cells of 28 px) apart.
     */
    public static int centreCell(SceneObject o, int grid) {
        return centreCell(o, grid, Scene.SIZE, Scene.SIZE);
    }

    /**
     * As {@link #centreCell(SceneObject, int)} for a grid over a {@code width x height} frame (columns
     * over the width, rows over the height). On a 168 px side cells are 14 px, still less than the
     * 42 px between two centres.
     */
    public static int centreCell(SceneObject o, int grid, int width, int height) {
        int row = Math.min(grid - 1, (o.y0() + o.y1()) * grid / (2 * height));
        int col = Math.min(grid - 1, (o.x0() + o.x1()) * grid / (2 * width));
        return row * grid + col;
    }
}
