package org.transprune.strategies;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;
import org.transprune.model.TokenLayout;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Selection;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code sparsevlm}, SparseVLM (v1.0 code, docs/method.md#sparsevlm): at each pruning layer, the text tokens
 * that attend most to the image ("raters") score the visual tokens by their attention in that
 * layer (mean over heads and raters); the top tokens go on. The pruning layers default to 3, 7
 * and 16 (the reference's 0-based {@code pruning_loc = [2, 6, 15]}: the layer runs, then its own
 * attention decides), and the kept counts follow the reference's tables for 576 tokens:
 * budget 192 -> 300, 200, 110; 128 -> 303, 110, 36; 96 -> 238, 48, 26; 64 -> 66, 30, 17.
 *
 * <p>Simplifications, each deliberate:
 * <ul>
 *   <li><b>No token recycling.</b> The reference merges the top 30% of the pruned tokens (by
 *       score) into {@code int(n / 10) + 1} cluster tokens (k-nearest-neighbour density-peak
 *       clustering, averaged) inserted after the kept image tokens. The engine's token layout maps
 *       every token to one original prompt position, so merged tokens would need an engine
 *       extension; pruned tokens are dropped instead. Each stage therefore carries
 *       {@code int(n / 10) + 1} fewer tokens than the reference (for budget 192: 300 instead of
 *       300 + 9 at the first stage).</li>
 *   <li><b>Raters from the layer's own attention.</b> The reference chooses the raters once, before
 *       the first layer, as the instruction tokens whose softmax relevance to the visual
 *       embeddings ({@code softmax_text(V T^T)} averaged over visual tokens) is above the mean.
 *       Here the raters are re-chosen at each pruning layer as the instruction tokens whose
 *       attention mass on the image block in that layer is above the mean mass, which needs no
 *       access to the input embeddings. When no token is above the mean (all equal), all
 *       instruction tokens rate.</li>
 *   <li><b>Counts for other N.</b> The reference counts are absolute for 576 tokens; for N image
 *       tokens each count is scaled to {@code round(N * count / 576)} and capped by the previous
 *       stage. The reference's cap {@code min(count, n - 1)} (always prune at least one token, so
 *       there is something to merge) is not applied, since nothing is merged.</li>
 *   <li>Positions are renumbered, as the v1.0 code truncates the position ids; the v2.0 variants
 *       (attention-gravity correction, head selection) are not implemented.</li>
 * </ul>
 */
public final class SparseVlmProvider implements StrategyProvider {
    /** Kept visual tokens per stage, for 576 tokens, by budget (the reference's sparse_token_list). */
    static final Map<Integer, int[]> COUNTS_FOR_576 = Map.of(
            192, new int[] {300, 200, 110},
            128, new int[] {303, 110, 36},
            96, new int[] {238, 48, 26},
            64, new int[] {66, 30, 17});

    @Override
    public String name() {
        return "sparsevlm";
    }

    @Override
    public String description() {
        return "SparseVLM (simplified, no recycling): text raters' attention scores the visual tokens";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterChecks.layersSpec(List.of(3, 7, 16)),
                ParameterSpec.of(
                                "budget",
                                ParameterSpec.Type.INT,
                                192,
                                "reference token budget selecting the per-stage counts: 64 | 96 | 128 | 192")
                        .asBudget(ParameterSpec.Budget.choices(List.of(64, 96, 128, 192))),
                ParameterChecks.positionsSpec(PositionPolicy.RENUMBER));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        List<Integer> layers = ParameterChecks.layers(p);
        if (layers.size() != 3) {
            throw p.invalid("layers", "must hold three layers, one per stage of the reference's count table");
        }
        int[] counts = COUNTS_FOR_576.get(p.getInt("budget"));
        if (counts == null) {
            throw p.invalid("budget", "must be one of 64, 96, 128, 192");
        }
        return new SparseVlm(layers, counts, ParameterChecks.positions(p));
    }

    /** The schedule from the count table and the rater scoring. */
    static final class SparseVlm implements PruningStrategy {
        private final List<Integer> layers;
        private final int[] countsFor576;
        private final PositionPolicy positions;

        SparseVlm(List<Integer> layers, int[] countsFor576, PositionPolicy positions) {
            this.layers = List.copyOf(layers);
            this.countsFor576 = countsFor576.clone();
            this.positions = positions;
        }

        @Override
        public String name() {
            return "sparsevlm";
        }

        @Override
        public PruneSchedule schedule(int imageTokens, int numLayers) {
            List<PruneSchedule.Stage> stages = new ArrayList<>();
            int previous = imageTokens;
            for (int i = 0; i < layers.size(); i++) {
                int keep = Math.min(previous, (int) Math.round(imageTokens * countsFor576[i] / 576.0));
                stages.add(new PruneSchedule.Stage(layers.get(i), keep));
                previous = keep;
            }
            return ParameterChecks.withinDepth(name(), new PruneSchedule(imageTokens, stages), numLayers);
        }

        @Override
        public PositionPolicy positionPolicy() {
            return positions;
        }

        @Override
        public LayerSignals signals(int layer, PruneSchedule schedule) {
            // The pruning layer's own attention: requested at the boundary before it runs.
            return ParameterChecks.prunesAfter(schedule, layer)
                    ? LayerSignals.attention(QueryRows.INSTRUCTION_OR_LAST)
                    : LayerSignals.NONE;
        }

        @Override
        public RequestScorer newRequest(long seed) {
            return new RaterScorer();
        }
    }

    /** Scores visual tokens by the attention of the raters among the instruction tokens. */
    static final class RaterScorer implements RequestScorer {
        /**
         * Rater scores by the layer whose attention produced them. With consecutive pruning layers
         * the engine delivers layer p+1's attention at the same boundary as, and before, the prune
         * after layer p; those scores are then re-indexed to the tokens that prune kept.
         */
        private final Map<Integer, float[]> scoreByLayer = new HashMap<>();

        private Map<String, float[]> lastScores = Map.of();

        @Override
        public void onAttention(int layer, int[] queries, NDArray probabilities, TokenLayout layout) {
            float[][] rows = ImageAttention.imageColumns(probabilities, layout);
            int n = layout.imageLength();
            double[] mass = new double[rows.length];
            double meanMass = 0;
            for (int q = 0; q < rows.length; q++) {
                for (float v : rows[q]) {
                    mass[q] += v;
                }
                meanMass += mass[q] / rows.length;
            }
            float[] raterMask = new float[rows.length];
            int raters = 0;
            for (int q = 0; q < rows.length; q++) {
                if (mass[q] > meanMass) {
                    raterMask[q] = 1;
                    raters++;
                }
            }
            if (raters == 0) {
                Arrays.fill(raterMask, 1);
                raters = rows.length;
            }
            float[] score = new float[n];
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int q = 0; q < rows.length; q++) {
                    sum += raterMask[q] * rows[q][j];
                }
                score[j] = (float) (sum / raters);
            }
            scoreByLayer.put(layer, score);
        }

        @Override
        public int[] select(int afterLayer, int keep, TokenLayout layout) {
            float[] score = scoreByLayer.remove(afterLayer);
            if (score == null || score.length != layout.imageLength()) {
                throw new IllegalStateException("strategy 'sparsevlm': no rater attention of layer " + afterLayer);
            }
            Map<String, float[]> scores = new LinkedHashMap<>();
            scores.put("score", score);
            lastScores = scores;
            int[] kept = Selection.topK(score, keep);
            scoreByLayer.replaceAll((layer, pending) -> {
                float[] reindexed = new float[kept.length];
                for (int i = 0; i < kept.length; i++) {
                    reindexed[i] = pending[kept[i]];
                }
                return reindexed;
            });
            return kept;
        }

        @Override
        public Map<String, float[]> lastScores() {
            return lastScores;
        }
    }
}
