package org.transprune.prune;

import java.util.Set;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;
import org.transprune.model.StartSignal;

/**
 * A projector-stage strategy followed by an in-LLM one (docs/method.md#chaining): the first decides
 * which tokens enter the decoder, the second prunes inside it with its schedule computed for the
 * tokens that entered.
 */
public final class ChainedStrategy implements PruningStrategy {
    private final PruningStrategy before;
    private final PruningStrategy inside;

    private ChainedStrategy(PruningStrategy before, PruningStrategy inside) {
        this.before = before;
        this.inside = inside;
    }

    /**
     * Chains {@code before}, which must have a projector stage and nothing else, with {@code inside},
     * which must have none.
     *
     * @throws IllegalArgumentException naming the member that does not fit
     */
    public static ChainedStrategy of(PruningStrategy before, PruningStrategy inside) {
        if (before.projectorStage() == null) {
            throw new IllegalArgumentException("'" + before.name() + "' has no projector stage, so it cannot come"
                    + " first in a chain (projector-stage strategies decide before the decoder)");
        }
        if (inside.projectorStage() != null) {
            throw new IllegalArgumentException("'" + inside.name() + "' has a projector stage; the second member of"
                    + " a chain must prune inside the decoder");
        }
        return new ChainedStrategy(before, inside);
    }

    /** The member deciding before the decoder. */
    public PruningStrategy before() {
        return before;
    }

    /** The member pruning inside the decoder. */
    public PruningStrategy inside() {
        return inside;
    }

    @Override
    public String name() {
        return before.name() + "+" + inside.name();
    }

    @Override
    public ProjectorStage projectorStage() {
        return before.projectorStage();
    }

    @Override
    public PruneSchedule schedule(int imageTokens, int numLayers) {
        int entering = before.projectorStage().enteringTokens(imageTokens);
        if (entering < 1) {
            throw new IllegalArgumentException("'" + before.name() + "' lets no token into the decoder, so '"
                    + inside.name() + "' has nothing to prune");
        }
        return PruneSchedule.chained(imageTokens, entering, inside.schedule(entering, numLayers));
    }

    @Override
    public PositionPolicy positionPolicy() {
        return inside.positionPolicy();
    }

    @Override
    public Set<StartSignal> startSignals() {
        return inside.startSignals();
    }

    @Override
    public LayerSignals signals(int layer, PruneSchedule schedule) {
        return inside.signals(layer, schedule.insideDecoder());
    }

    @Override
    public RequestScorer newRequest(long seed) {
        return inside.newRequest(seed);
    }
}
