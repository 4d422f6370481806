package org.transprune.prune;

import java.util.List;
import org.transprune.cost.PruneSchedule;

/**
 * Base of a strategy that decides only before the decoder: its schedule is one projector stage
 * (after layer 0), and no decoder layer is observed.
 */
public abstract class ProjectorOnlyStrategy implements PruningStrategy, ProjectorStage {

    @Override
    public final ProjectorStage projectorStage() {
        return this;
    }

    @Override
    public PruneSchedule schedule(int imageTokens, int numLayers) {
        return new PruneSchedule(imageTokens, List.of(new PruneSchedule.Stage(0, enteringTokens(imageTokens))));
    }

    @Override
    public LayerSignals signals(int layer, PruneSchedule schedule) {
        return LayerSignals.NONE;
    }

    @Override
    public RequestScorer newRequest(long seed) {
        return (afterLayer, keep, layout) -> {
            throw new IllegalStateException(
                    "strategy '" + name() + "' prunes only before the decoder, not after layer " + afterLayer);
        };
    }
}
