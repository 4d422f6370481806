package org.transprune.train;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Training accuracy over the last answers seen: whether each answer's first token was the argmax
 * of the training forward's logits (a cheap running signal; the held-out figure is
 * {@link EngineEvaluator}'s).
 */
final class RunningAccuracy {
    private final int window;
    private final Deque<Boolean> recent = new ArrayDeque<>();
    private int right;

    /** @param window answers over which the accuracy is taken */
    RunningAccuracy(int window) {
        this.window = window;
    }

    /** Adds the batch's scored answers, given the {@code [targets, vocab]} logits at its target rows. */
    void record(PackedBatch batch, float[] logits, int vocab) {
        PackedBatch.Targets targets = batch.text().targets();
        for (int t = 0; t < batch.targetCount(); t++) {
            if (!targets.answer()[t]) {
                continue;
            }
            int best = 0;
            for (int v = 1; v < vocab; v++) {
                if (logits[t * vocab + v] > logits[t * vocab + best]) {
                    best = v;
                }
            }
            boolean ok = best == targets.ids()[t];
            recent.addLast(ok);
            right += ok ? 1 : 0;
            if (recent.size() > window) {
                right -= recent.removeFirst() ? 1 : 0;
            }
        }
    }

    /** Share of the window's answers that were right; NaN before any. */
    double value() {
        return recent.isEmpty() ? Double.NaN : (double) right / recent.size();
    }
}
