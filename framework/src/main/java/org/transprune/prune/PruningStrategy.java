package org.transprune.prune;

import java.util.Set;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;
import org.transprune.model.StartSignal;

/**
 * A visual-token pruning method. Immutable and shareable: per-request state lives in the
 * {@link RequestScorer} that {@link #newRequest} returns.
 */
public interface PruningStrategy {

    /** The registered name of the provider that built it. */
    String name();

    /**
     * After which decoder layers it prunes and how many image tokens survive each stage, for a
     * model with {@code numLayers} layers and {@code imageTokens} image tokens.
     *
     * @throws IllegalArgumentException when the schedule does not fit the model (e.g. a layer
     *     beyond its depth)
     */
    PruneSchedule schedule(int imageTokens, int numLayers);

    /**
     * The decision this strategy takes before the decoder, or null (the default) when it prunes only
     * between decoder layers. A strategy with one puts it in its schedule as the stage after layer 0
     * (docs/method.md#projector-stage).
     */
    default ProjectorStage projectorStage() {
        return null;
    }

    /** Position ids after a prune. */
    default PositionPolicy positionPolicy() {
        return PositionPolicy.RENUMBER;
    }

    /**
     * What the scorer is given before layer 1 ({@link RequestScorer#onStart}): any of the prompt ids,
     * the image tokens' input embeddings, the image layout (each token's view, row, column) and the
     * model's dimensions. None by default; parts not asked for are not computed.
     */
    default Set<StartSignal> startSignals() {
        return Set.of();
    }

    /** What decoder layer {@code layer} (1-based) must deliver to the scorer; {@link LayerSignals#NONE} by default. */
    LayerSignals signals(int layer, PruneSchedule schedule);

    /**
     * Fresh per-request state.
     *
     * @param seed the run's seed mixed with the sample's identity, for strategies that draw
     *     random numbers
     */
    RequestScorer newRequest(long seed);
}
