package org.transprune.strategies;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import org.transprune.model.TokenLayout;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Selection;

/**
 * Keeps the image tokens the chosen queries attend to most (FastV, PyramidDrop): the score is the
 * head-averaged attention, averaged over the query rows, of each image key.
 */
final class AttentionRanking implements RequestScorer {
    private final String strategy;
    private final IntUnaryOperator attentionLayer;
    private float[] attention;
    private int attentionAt = -1;
    private Map<String, float[]> lastScores = Map.of();

    /**
     * @param attentionLayer for a prune after layer p, the layer at whose boundary the attention
     *     rows were computed (p for FastV's own-layer attention, p + 1 for PyramidDrop)
     */
    AttentionRanking(String strategy, IntUnaryOperator attentionLayer) {
        this.strategy = strategy;
        this.attentionLayer = attentionLayer;
    }

    @Override
    public void onAttention(int layer, int[] queries, NDArray probabilities, TokenLayout layout) {
        attention = ImageAttention.meanOverQueries(probabilities, layout);
        attentionAt = layer;
    }

    @Override
    public int[] select(int afterLayer, int keep, TokenLayout layout) {
        if (attentionAt != attentionLayer.applyAsInt(afterLayer) || attention.length != layout.imageLength()) {
            throw new IllegalStateException("strategy '" + strategy + "': no attention of layer "
                    + attentionLayer.applyAsInt(afterLayer) + " for the prune after layer " + afterLayer);
        }
        Map<String, float[]> scores = new LinkedHashMap<>();
        scores.put("attention", attention);
        scores.put("score", attention);
        lastScores = scores;
        return Selection.topK(attention, keep);
    }

    @Override
    public Map<String, float[]> lastScores() {
        return lastScores;
    }
}
