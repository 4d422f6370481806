package org.transprune.synth;

import java.util.List;
import java.util.Objects;

/**
 * A question about a scene, its single-word answer, and the objects the answer depends on.
 *
 * <p>{@code objects} are: for exist with answer yes, every object of the asked kind and colour; for
 * exist with answer no, none (the answer rests on the absence of an object, so no patch is singled
 * out); for colour and position, the named object; for count, every counted object (none when the
 * answer is 0); for relation, the two named objects (subject first).
 *
 * @param text lower-case words and punctuation separated by single spaces, without any prompt suffix
 * @param width width of the image frame the objects are in (px)
 * @param height height of the image frame (px)
 */
public record Question(
        QuestionType type, String text, String answer, List<SceneObject> objects, int width, int height) {
    /** Default share of a patch an object must cover for the patch to count as relevant. */
    public static final double DEFAULT_MIN_COVERAGE = 0.05;

    /** A question about a scene in the default square {@value Scene#SIZE} px frame. */
    public Question(QuestionType type, String text, String answer, List<SceneObject> objects) {
        this(type, text, answer, objects, Scene.SIZE, Scene.SIZE);
    }

    public Question {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(text, "text");
        type.answerIndex(answer);
        objects = List.copyOf(objects);
    }

    /** The boxes {x0, y0, x1, y1} of {@link #objects()} in the image frame (x1, y1 exclusive). */
    public List<int[]> boxes() {
        return objects.stream().map(SceneObject::box).toList();
    }

    /** {@link #relevantPatches(int, double)} at the default 5% coverage. */
    public int[] relevantPatches(int grid) {
        return relevantPatches(grid, DEFAULT_MIN_COVERAGE);
    }

    /**
     * Row-major indices, ascending, of the patches of a grid x grid partition of the frame (its
     * columns over the width, its rows over the height) that
     * some object of this question covers for at least {@code minCoverage} of the patch's pixels,
     * measured on the object's pixel mask (not its box). For a grid finer than the frame (more cells
     * than pixels along a side, as the run's location of LLaVA-NeXT tile tokens uses) see
     * {@link #finePatches}.
     */
    public int[] relevantPatches(int grid, double minCoverage) {
        if (grid > Math.min(width, height)) {
            return finePatches(grid);
        }
        PatchGrid g = new PatchGrid(grid, width, height);
        boolean[] relevant = new boolean[g.patches()];
        for (SceneObject o : objects) {
            double[] cov = o.patchCoverage(g);
            for (int p = 0; p < cov.length; p++) {
                if (cov[p] > 0 && cov[p] >= minCoverage) {
                    relevant[p] = true;
                }
            }
        }
        int n = 0;
        for (boolean r : relevant) {
            n += r ? 1 : 0;
        }
        int[] out = new int[n];
        int k = 0;
        for (int p = 0; p < relevant.length; p++) {
            if (relevant[p]) {
                out[k++] = p;
            }
        }
        return out;
    }

    /**
     * Relevant cells of a grid finer than the frame: a cell is relevant when the pixel under its
     * centre belongs to an object of this question (a cell smaller than a pixel is covered by that
     * pixel or not at all).
     */
    private int[] finePatches(int grid) {
        List<Integer> out = new java.util.ArrayList<>();
        for (int r = 0; r < grid; r++) {
            int py = (int) ((r + 0.5) * height / grid);
            for (int c = 0; c < grid; c++) {
                int px = (int) ((c + 0.5) * width / grid);
                for (SceneObject o : objects) {
                    if (px >= o.x0() && px < o.x1() && py >= o.y0() && py < o.y1() && o.covers(px, py)) {
                        out.add(r * grid + c);
                        break;
                    }
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The question with colour words replaced by {@code <color>}, kind words by {@code <kind>} and
     * plural kind words by {@code <kinds>}: its wording without the objects it names. Answers are
     * balanced per template, so the template alone does not give the answer away.
     */
    public String template() {
        StringBuilder out = new StringBuilder();
        for (String w : text.split(" ")) {
            String masked = w;
            for (ShapeColor c : ShapeColor.values()) {
                if (c.word().equals(w)) {
                    masked = "<color>";
                }
            }
            for (ShapeKind k : ShapeKind.values()) {
                if (k.word().equals(w)) {
                    masked = "<kind>";
                } else if (k.plural().equals(w)) {
                    masked = "<kinds>";
                }
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(masked);
        }
        return out.toString();
    }
}
