package org.transprune.prune;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Picking token indices from scores. */
public final class Selection {
    private Selection() {}

    /**
     * Indices of the {@code k} highest scores, returned in increasing index order (kept tokens
     * keep their original order, docs/method.md#selection). Ties go to the lower index, so the result is
     * deterministic; NaN scores rank lowest.
     */
    public static int[] topK(float[] scores, int k) {
        if (k < 0 || k > scores.length) {
            throw new IllegalArgumentException("cannot keep " + k + " of " + scores.length + " tokens");
        }
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(
                order,
                Comparator.<Integer>comparingDouble(i -> Float.isNaN(scores[i]) ? Double.NEGATIVE_INFINITY : -scores[i])
                        .thenComparingInt(i -> i));
        int[] kept = new int[k];
        for (int i = 0; i < k; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }
}
