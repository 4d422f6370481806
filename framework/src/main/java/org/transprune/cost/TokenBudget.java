package org.transprune.cost;

/**
 * The token budget of a schedule as the field states it (docs/method.md#budgets): the image tokens entering the
 * language model when a projector stage (a stage after layer 0) decides them, else the image tokens per decoder
 * layer averaged over the layers.
 */
public final class TokenBudget {
    private TokenBudget() {}

    /** The keep of the stage after layer 0, or -1 when the schedule has none (every one of N tokens enters). */
    public static int projectorKeep(PruneSchedule schedule) {
        for (PruneSchedule.Stage s : schedule.stages()) {
            if (s.afterLayer() == 0) {
                return s.keep();
            }
        }
        return -1;
    }

    /** Image tokens entering the language model: a projector stage's keep, else N. */
    public static int enteringLlm(PruneSchedule schedule) {
        int keep = projectorKeep(schedule);
        return keep >= 0 ? keep : schedule.imageTokens();
    }

    /**
     * The schedule's token budget on a model of {@code numLayers} layers: {@link #enteringLlm} when a projector
     * stage is present, else the mean over the layers of the image tokens each one holds.
     */
    public static double of(PruneSchedule schedule, int numLayers) {
        int keep = projectorKeep(schedule);
        if (keep >= 0) {
            return keep;
        }
        int[] tokens = schedule.tokensPerLayer(numLayers);
        long sum = 0;
        for (int t : tokens) {
            sum += t;
        }
        return (double) sum / numLayers;
    }

    /** {@link #of} for a cost report (its per-layer counts give the depth). */
    public static double of(CostReport cost) {
        return of(cost.schedule(), cost.tokensPerLayer().size());
    }
}
