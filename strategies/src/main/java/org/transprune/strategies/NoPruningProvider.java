package org.transprune.strategies;

import java.util.List;
import org.transprune.cost.PruneSchedule;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/** {@code none}: the unpruned model, as a strategy so experiment files can name the baseline. */
public final class NoPruningProvider implements StrategyProvider {

    @Override
    public String name() {
        return "none";
    }

    @Override
    public String description() {
        return "no pruning: every layer sees all image tokens";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    @Override
    public PruningStrategy create(StrategyParameters parameters) {
        return new NoPruning();
    }

    /** Keeps everything and observes nothing. */
    static final class NoPruning implements PruningStrategy {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public PruneSchedule schedule(int imageTokens, int numLayers) {
            return PruneSchedule.unpruned(imageTokens);
        }

        @Override
        public LayerSignals signals(int layer, PruneSchedule schedule) {
            return LayerSignals.NONE;
        }

        @Override
        public RequestScorer newRequest(long seed) {
            return (afterLayer, keep, layout) -> {
                throw new IllegalStateException(
                        "'none' has no pruning stage, yet was asked to prune after layer " + afterLayer);
            };
        }
    }
}
