package org.example.l2norm;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.TokenLayout;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Selection;

/** The l2norm strategy: immutable; one {@link Scorer} per request. */
final class L2NormStrategy implements PruningStrategy {
    private final List<Integer> layers;
    private final List<Double> ratios;

    L2NormStrategy(List<Integer> layers, List<Double> ratios) {
        this.layers = List.copyOf(layers);
        this.ratios = List.copyOf(ratios);
    }

    @Override
    public String name() {
        return "l2norm";
    }

    @Override
    public PruneSchedule schedule(int imageTokens, int numLayers) {
        return ParameterChecks.withinDepth(
                name(), PruneSchedule.ofOriginalRatios(imageTokens, layers, ratios), numLayers);
    }

    /** To prune after layer k it needs the hidden state entering layer k + 1, i.e. layer k's output. */
    @Override
    public LayerSignals signals(int layer, PruneSchedule schedule) {
        return ParameterChecks.prunesAfter(schedule, layer - 1) ? LayerSignals.HIDDEN_STATES : LayerSignals.NONE;
    }

    @Override
    public RequestScorer newRequest(long seed) {
        return new Scorer();
    }

    /** Keeps, per pruning layer, the norms of the current image tokens. */
    static final class Scorer implements RequestScorer {
        private final Map<Integer, float[]> norms = new HashMap<>();
        private float[] last = new float[0];

        /** The residual stream entering {@code layer}: keep the L2 norm of each current image token's row. */
        @Override
        public void onHiddenState(int layer, NDArray hidden, TokenLayout layout) {
            NDArray image = hidden.get(layout.imageStart() + ":" + layout.instructionStart());
            norms.put(layer - 1, image.norm(new int[] {1}).toFloatArray());
        }

        @Override
        public int[] select(int afterLayer, int keep, TokenLayout layout) {
            last = norms.remove(afterLayer);
            // The scoring line: the largest norms win (ties to the earlier token), in increasing index order.
            return Selection.topK(last, keep);
        }

        @Override
        public Map<String, float[]> lastScores() {
            return Map.of("l2norm", last);
        }
    }
}
