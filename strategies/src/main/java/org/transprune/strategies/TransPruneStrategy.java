package org.transprune.strategies;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;
import org.transprune.model.SubLayer;
import org.transprune.model.TokenLayout;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Selection;

/**
 * TransPrune (docs/method.md#ttv, #iga, #combination): after each pruning layer, keep the top-k image tokens by
 * {@code alpha * TTV + (1 - alpha) * IGA}, each normalised to sum 1 over the image tokens. TTV is
 * accumulated over the window layers run so far, including the pruning layer itself; IGA is the
 * instruction tokens' attention computed with the next layer's projections.
 *
 * <p>{@code alpha = 1} asks the engine for no attention at all (TTV-only is attention-free);
 * {@code alpha = 0} asks for no transitions. Window layers after the last pruning layer are not
 * observed: nothing would read them.
 */
public final class TransPruneStrategy implements PruningStrategy {
    private final String name;
    private final List<Integer> layers;
    private final List<Double> ratios;
    private final double alpha;
    private final int windowStart;
    private final int windowEnd;
    private final TransitionVariation.Cosine cosine;
    private final PositionPolicy positions;

    TransPruneStrategy(
            String name,
            List<Integer> layers,
            List<Double> ratios,
            double alpha,
            int windowStart,
            int windowEnd,
            TransitionVariation.Cosine cosine,
            PositionPolicy positions) {
        this.name = name;
        this.layers = List.copyOf(layers);
        this.ratios = List.copyOf(ratios);
        this.alpha = alpha;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.cosine = cosine;
        this.positions = positions;
    }

    @Override
    public String name() {
        return name;
    }

    /** The TTV weight: 1 is TTV-only, 0 is IGA-only. */
    public double alpha() {
        return alpha;
    }

    @Override
    public PruneSchedule schedule(int imageTokens, int numLayers) {
        return ParameterChecks.withinDepth(
                name, PruneSchedule.ofOriginalRatios(imageTokens, layers, ratios), numLayers);
    }

    @Override
    public PositionPolicy positionPolicy() {
        return positions;
    }

    @Override
    public LayerSignals signals(int layer, PruneSchedule schedule) {
        LayerSignals signals = LayerSignals.NONE;
        if (usesTtv() && inWindow(layer) && layer <= lastPruningLayer(schedule)) {
            signals = LayerSignals.TRANSITIONS;
        }
        // IGA for a prune after layer p uses layer p+1's norm and q/k: the boundary before p+1.
        if (usesIga() && ParameterChecks.prunesAfter(schedule, layer - 1)) {
            signals = signals.and(LayerSignals.attention(QueryRows.INSTRUCTION_OR_LAST));
        }
        return signals;
    }

    @Override
    public RequestScorer newRequest(long seed) {
        return new Scorer();
    }

    boolean usesTtv() {
        return alpha > 0;
    }

    boolean usesIga() {
        return alpha < 1;
    }

    private boolean inWindow(int layer) {
        return layer >= windowStart && layer <= windowEnd;
    }

    private static int lastPruningLayer(PruneSchedule schedule) {
        List<PruneSchedule.Stage> stages = schedule.stages();
        return stages.isEmpty() ? 0 : stages.get(stages.size() - 1).afterLayer();
    }

    /** Per-request state: the accumulated TTV of the current image tokens and the latest IGA. */
    private final class Scorer implements RequestScorer {
        /** Sum of layer TTVs over the window layers seen so far, aligned with the current image block. */
        private float[] accumulatedTtv;

        private float[] iga;
        private int igaLayer = -1;
        private Map<String, float[]> lastScores = Map.of();

        @Override
        public void onTransition(int layer, SubLayer subLayer, NDArray before, NDArray after, TokenLayout layout) {
            if (!usesTtv() || !inWindow(layer)) {
                return;
            }
            // Softmax over every token of the sequence, text included (docs/method.md#ttv); only the
            // image part is kept, since only image tokens are ranked or re-indexed.
            float[] all = TransitionVariation.perToken(before, after, cosine);
            int n = layout.imageLength();
            if (accumulatedTtv == null) {
                accumulatedTtv = new float[n];
            } else if (accumulatedTtv.length != n) {
                throw new IllegalStateException("stored TTV covers " + accumulatedTtv.length
                        + " image tokens but layer " + layer + " has " + n);
            }
            // Layer TTV = attention TTV + FFN TTV, and the window sums layers: one running sum.
            for (int i = 0; i < n; i++) {
                accumulatedTtv[i] += all[layout.imageStart() + i];
            }
        }

        @Override
        public void onAttention(int layer, int[] queries, NDArray probabilities, TokenLayout layout) {
            if (usesIga()) {
                iga = ImageAttention.meanOverQueries(probabilities, layout);
                igaLayer = layer;
            }
        }

        @Override
        public int[] select(int afterLayer, int keep, TokenLayout layout) {
            int n = layout.imageLength();
            Map<String, float[]> scores = new LinkedHashMap<>();
            double[] combined = new double[n];
            if (usesTtv()) {
                float[] ttv = ImageAttention.normalise(accumulatedTtv == null ? new float[n] : accumulatedTtv);
                scores.put("ttv", ttv);
                for (int i = 0; i < n; i++) {
                    combined[i] += alpha * ttv[i];
                }
            }
            if (usesIga()) {
                if (igaLayer != afterLayer + 1 || iga.length != n) {
                    throw new IllegalStateException("strategy '" + name + "': no instruction attention at the boundary"
                            + " after layer " + afterLayer);
                }
                float[] normalised = ImageAttention.normalise(iga);
                scores.put("iga", normalised);
                for (int i = 0; i < n; i++) {
                    combined[i] += (1 - alpha) * normalised[i];
                }
            }
            float[] score = new float[n];
            for (int i = 0; i < n; i++) {
                score[i] = (float) combined[i];
            }
            scores.put("score", score);
            lastScores = scores;
            int[] kept = Selection.topK(score, keep);
            if (accumulatedTtv != null) {
                // Later window layers add to the kept tokens only (docs/method.md#ttv, re-indexing).
                accumulatedTtv = ImageAttention.gather(accumulatedTtv, kept);
            }
            return kept;
        }

        @Override
        public Map<String, float[]> lastScores() {
            return lastScores;
        }
    }
}
