package org.transprune.strategies;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;
import org.transprune.model.TokenLayout;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code random} (docs/method.md#random): at the same layers and counts as TransPrune (by default), keep a
 * uniformly random subset of the image tokens, drawn from the request's seed.
 */
public final class RandomPruningProvider implements StrategyProvider {

    @Override
    public String name() {
        return "random";
    }

    @Override
    public String description() {
        return "baseline: keep a uniformly random subset (seeded) at the given layers and ratios";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return ParameterChecks.scheduleSpecs(
                TransPruneProvider.DEFAULTS, ParameterChecks.positionsSpec(PositionPolicy.RENUMBER));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        List<Integer> layers = ParameterChecks.layers(p);
        return new RandomPruning(layers, ParameterChecks.ratios(p, layers.size()), ParameterChecks.positions(p));
    }

    /** Uniform random subsets; the only state is the request's random stream. */
    static final class RandomPruning implements PruningStrategy {
        private final List<Integer> layers;
        private final List<Double> ratios;
        private final PositionPolicy positions;

        RandomPruning(List<Integer> layers, List<Double> ratios, PositionPolicy positions) {
            this.layers = List.copyOf(layers);
            this.ratios = List.copyOf(ratios);
            this.positions = positions;
        }

        @Override
        public String name() {
            return "random";
        }

        @Override
        public PruneSchedule schedule(int imageTokens, int numLayers) {
            return ParameterChecks.withinDepth(
                    name(), PruneSchedule.ofOriginalRatios(imageTokens, layers, ratios), numLayers);
        }

        @Override
        public PositionPolicy positionPolicy() {
            return positions;
        }

        @Override
        public LayerSignals signals(int layer, PruneSchedule schedule) {
            return LayerSignals.NONE;
        }

        @Override
        public RequestScorer newRequest(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            return (int afterLayer, int keep, TokenLayout layout) -> sample(random, layout.imageLength(), keep);
        }

        /** {@code k} distinct indices of {@code 0..n-1}, uniformly, sorted (partial Fisher-Yates). */
        static int[] sample(SplittableRandom random, int n, int k) {
            int[] order = new int[n];
            Arrays.setAll(order, i -> i);
            for (int i = 0; i < k; i++) {
                int j = i + random.nextInt(n - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            int[] kept = Arrays.copyOf(order, k);
            Arrays.sort(kept);
            return kept;
        }
    }
}
