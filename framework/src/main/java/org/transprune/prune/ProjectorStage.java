package org.transprune.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.transprune.model.ProjectorSignal;

/**
 * A decision taken before the decoder: which image tokens enter it, kept as they are or merged
 * (docs/method.md#projector-stage). A strategy offers one through {@link PruningStrategy#projectorStage()};
 * the pipeline computes the declared signals, asks for the decision and builds the image block the
 * decoder sees. Immutable and shareable, like the strategy.
 */
public interface ProjectorStage {

    /** What {@link #decide} reads; signals not listed are not computed (and are null in the inputs). */
    Set<ProjectorSignal> projectorSignals();

    /**
     * How many image tokens enter the decoder for {@code imageTokens} projected ones: kept tokens,
     * merged tokens and the CLS token when {@link ProjectorDecision#leadingCls()} is set, all counted.
     *
     * @throws IllegalArgumentException when the count does not fit {@code imageTokens}
     */
    int enteringTokens(int imageTokens);

    /** How the framework forms merged tokens; plain averages of tower features by default. */
    default MergeRule mergeRule() {
        return MergeRule.FEATURE_MEAN;
    }

    /**
     * The tokens that enter the decoder.
     *
     * @param inputs the declared signals, valid only during the call
     * @param entering {@link #enteringTokens} of the request's image tokens
     * @param seed the request's seed, for stages that draw random numbers
     */
    ProjectorDecision decide(ProjectorInputs inputs, int entering, long seed);

    /** How the stage applies to an image of several views (LLaVA-NeXT); each view alone by default. */
    default ViewRule viewRule() {
        return ViewRule.PER_VIEW_GRID;
    }

    /**
     * The decisions of the views of one image under a per-view {@link #viewRule()}, base view first; by
     * default each view decided alone by {@link #decide}. A stage whose authors normalise a score over
     * all views of an image together overrides this.
     *
     * @param views each view's signals, valid only during the call
     * @param entering each view's {@link #enteringTokens} count
     */
    default List<ProjectorDecision> decideViews(List<ProjectorInputs> views, int[] entering, long seed) {
        List<ProjectorDecision> out = new ArrayList<>(views.size());
        for (int v = 0; v < views.size(); v++) {
            out.add(decide(views.get(v), entering[v], seed));
        }
        return out;
    }
}
