package org.transprune.strategies;

import java.util.ArrayList;
import java.util.List;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.QuerySelector;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code pdrop}, PyramidDrop (docs/method.md#pdrop): after each of layers 8, 16, 24, keep the image
 * tokens the last instruction token attends to most, that attention computed like IGA with the
 * next layer's norm and q/k; positions renumbered.
 *
 * <p>Stage i keeps {@code int(N * lambda^i)}, the ratio list the PyramidDrop code is given
 * ([0.5, 0.25, 0.125] of N). For lambda = 0.5 this equals keeping half of what remains at each
 * stage (576 -> 288 -> 144 -> 72) for every N.
 */
public final class PyramidDropProvider implements StrategyProvider {

    @Override
    public String name() {
        return "pdrop";
    }

    @Override
    public String description() {
        return "PyramidDrop: at each stage keep lambda of the image tokens, ranked by the last instruction token's attention";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterChecks.layersSpec(List.of(8, 16, 24)),
                ParameterSpec.of(
                                "lambda",
                                ParameterSpec.Type.DOUBLE,
                                0.5,
                                "fraction of the remaining image tokens each stage keeps, in (0, 1)")
                        .asBudget(ParameterSpec.Budget.interval(0, true, 1, true)),
                ParameterChecks.positionsSpec(PositionPolicy.RENUMBER));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        List<Integer> layers = ParameterChecks.layers(p);
        double lambda = p.getDouble("lambda");
        if (!(lambda > 0 && lambda < 1)) {
            throw p.invalid("lambda", "must be in (0, 1)");
        }
        return new PyramidDrop(layers, lambda, ParameterChecks.positions(p));
    }

    /** Geometric schedule; last-token attention at the boundary after each pruning layer. */
    static final class PyramidDrop implements PruningStrategy {
        private final List<Integer> layers;
        private final double lambda;
        private final PositionPolicy positions;

        PyramidDrop(List<Integer> layers, double lambda, PositionPolicy positions) {
            this.layers = List.copyOf(layers);
            this.lambda = lambda;
            this.positions = positions;
        }

        @Override
        public String name() {
            return "pdrop";
        }

        @Override
        public PruneSchedule schedule(int imageTokens, int numLayers) {
            List<PruneSchedule.Stage> stages = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                stages.add(new PruneSchedule.Stage(layers.get(i), (int) (imageTokens * Math.pow(lambda, i + 1))));
            }
            return ParameterChecks.withinDepth(name(), new PruneSchedule(imageTokens, stages), numLayers);
        }

        @Override
        public PositionPolicy positionPolicy() {
            return positions;
        }

        @Override
        public LayerSignals signals(int layer, PruneSchedule schedule) {
            // The query is the last prompt token (PyramidDrop: prompt_total_len - 1).
            return ParameterChecks.prunesAfter(schedule, layer - 1)
                    ? LayerSignals.attention(QuerySelector.LAST_TOKEN)
                    : LayerSignals.NONE;
        }

        @Override
        public RequestScorer newRequest(long seed) {
            return new AttentionRanking(name(), afterLayer -> afterLayer + 1);
        }
    }
}
