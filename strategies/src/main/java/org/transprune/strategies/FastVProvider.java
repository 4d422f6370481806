package org.transprune.strategies;

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
 * {@code fastv} (docs/method.md#fastv): layers 1..K run on all tokens; after layer K, keep the image
 * tokens the last prompt token attended to most in layer K's own attention (mean over heads).
 * Keeps {@code round(N * (1 - R))} tokens with Python's round-half-even, as the FastV code does;
 * original position ids are kept by default.
 */
public final class FastVProvider implements StrategyProvider {

    @Override
    public String name() {
        return "fastv";
    }

    @Override
    public String description() {
        return "FastV: after layer K, keep the image tokens the last token attends to most in layer K";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.of("k", ParameterSpec.Type.INT, 2, "prune after this 1-based layer, using its attention"),
                ParameterSpec.of("r", ParameterSpec.Type.DOUBLE, 0.5, "fraction of image tokens dropped, in [0, 1)")
                        .asBudget(ParameterSpec.Budget.interval(0, false, 1, true)),
                ParameterChecks.positionsSpec(PositionPolicy.KEEP_ORIGINAL));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        int k = p.getInt("k");
        if (k < 1) {
            throw p.invalid("k", "must be a layer number, at least 1");
        }
        double r = p.getDouble("r");
        if (!(r >= 0 && r < 1)) {
            throw p.invalid("r", "must be in [0, 1): the keep ratio 1 - r must lie in (0, 1]");
        }
        return new FastV(k, r, ParameterChecks.positions(p));
    }

    /** The FastV schedule and signal: one stage, layer K's last-token attention. */
    static final class FastV implements PruningStrategy {
        private final int k;
        private final double r;
        private final PositionPolicy positions;

        FastV(int k, double r, PositionPolicy positions) {
            this.k = k;
            this.r = r;
            this.positions = positions;
        }

        @Override
        public String name() {
            return "fastv";
        }

        @Override
        public PruneSchedule schedule(int imageTokens, int numLayers) {
            // FastV: topk(round(IMAGE_TOKEN_LENGTH * (1 - R))); Math.rint rounds half to even like Python.
            int keep = (int) Math.rint(imageTokens * (1 - r));
            return ParameterChecks.withinDepth(
                    name(), new PruneSchedule(imageTokens, List.of(new PruneSchedule.Stage(k, keep))), numLayers);
        }

        @Override
        public PositionPolicy positionPolicy() {
            return positions;
        }

        @Override
        public LayerSignals signals(int layer, PruneSchedule schedule) {
            // At the boundary before layer K the engine applies layer K's norm and q/k to layer K's
            // input: exactly the attention layer K computes, which FastV reads after it.
            return layer == k ? LayerSignals.attention(QuerySelector.LAST_TOKEN) : LayerSignals.NONE;
        }

        @Override
        public RequestScorer newRequest(long seed) {
            return new AttentionRanking(name(), afterLayer -> afterLayer);
        }
    }
}
