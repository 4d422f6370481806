package org.transprune.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A capability a benchmark may offer: for each question, the image regions that hold its answer and the question's
 * type. With it, sample records carry the patches each pruning stage kept and the selection recall of the relevant
 * ones, summaries the recall by question type, and reports the per-type table and kept-token figures.
 */
public interface GroundTruthRegions {

    /** The question types in table order (e.g. exist, color, count, position, relation). */
    List<String> questionTypes();

    /** Loads the ground truth of the questions once per run; {@code annotations} as the experiment resolved it. */
    Regions regions(Path annotations) throws IOException;

    /** The ground truth of a question set. */
    interface Regions {
        /** The ground truth of {@code sample}, or null when the annotations do not cover it. */
        Region of(Sample sample);
    }

    /**
     * One question's ground truth.
     *
     * @param question the question as asked
     * @param answer the expected answer
     * @param type the question type (one of {@link #questionTypes()})
     * @param patches the relevant patches of a grid x grid partition of the image, by grid size
     */
    record Region(String question, String answer, String type, IntFunction<int[]> patches) {
        /** Row-major indices, ascending, of the patches of a {@code grid} x {@code grid} partition that hold the answer. */
        public int[] relevantPatches(int grid) {
            return patches.apply(grid);
        }
    }

    /**
     * Share of {@code relevant} patches present in each stage's kept patches; NaN for a stage when the question has no
     * relevant patch (e.g. "is there ...?" answered no).
     */
    static double[] selectionRecall(int[] relevant, List<int[]> keptPerStage) {
        double[] out = new double[keptPerStage.size()];
        for (int s = 0; s < out.length; s++) {
            if (relevant.length == 0) {
                out[s] = Double.NaN;
                continue;
            }
            BitSet kept = new BitSet();
            for (int p : keptPerStage.get(s)) {
                kept.set(p);
            }
            int hit = 0;
            for (int p : relevant) {
                hit += kept.get(p) ? 1 : 0;
            }
            out[s] = (double) hit / relevant.length;
        }
        return out;
    }
}
