package org.transprune.bench.vqa;

import java.util.List;

/**
 * The VQA soft accuracy of one answer against the human answers: for each of the n human answers
 * leave it out and score {@code min(1, matches among the other n-1 / 3)}; average the n scores.
 * With 10 answers this is the "10 choose 9" average of the official VQA evaluator, and TextVQA's
 * m4c evaluator computes the same quantity (its per-unique-answer table gives identical values).
 */
public final class VqaAccuracy {
    private VqaAccuracy() {}

    /** Soft accuracy in [0, 1]; {@code humans} and {@code answer} must already be normalised. */
    public static double of(String answer, List<String> humans) {
        if (humans.isEmpty()) {
            throw new IllegalArgumentException("no human answers");
        }
        int total = 0;
        for (String h : humans) {
            if (h.equals(answer)) {
                total++;
            }
        }
        double sum = 0;
        for (String left : humans) {
            int others = total - (left.equals(answer) ? 1 : 0);
            sum += Math.min(1.0, others / 3.0);
        }
        return sum / humans.size();
    }
}
