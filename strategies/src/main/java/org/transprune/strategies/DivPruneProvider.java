package org.transprune.strategies;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.model.ProjectorSignal;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorOnlyStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;
import org.transprune.prune.ViewRule;

/**
 * {@code divprune} (docs/method.md#divprune): before the decoder, a max-min diversity subset of the
 * projected image tokens, picked greedily under cosine distance as the DivPrune authors' code does.
 */
public final class DivPruneProvider implements StrategyProvider {

    @Override
    public String name() {
        return "divprune";
    }

    @Override
    public String description() {
        return "DivPrune: before the LLM, a greedy max-min diverse subset of the projected tokens (cosine distance)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ProjectorBudget.spec());
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        return new DivPrune(ProjectorBudget.tokens(p));
    }

    /** Greedy max-min diversity. */
    static final class DivPrune extends ProjectorOnlyStrategy {
        private final int tokens;

        DivPrune(int tokens) {
            this.tokens = tokens;
        }

        @Override
        public String name() {
            return "divprune";
        }

        @Override
        public Set<ProjectorSignal> projectorSignals() {
            return Set.of(ProjectorSignal.PROJECTED_TOKENS);
        }

        @Override
        public int enteringTokens(int imageTokens) {
            return ProjectorBudget.entering(tokens, imageTokens);
        }

        /** The authors' LLaVA-1.6 path: one subset of the whole image block (base view, tiles, newlines). */
        @Override
        public ViewRule viewRule() {
            return ViewRule.WHOLE_BLOCK;
        }

        @Override
        public ProjectorDecision decide(ProjectorInputs in, int entering, long seed) {
            int n = in.imageTokens();
            float[] cos = ProjectorBudget.cosineMatrix(in.projected());
            float[] distance = new float[n * n];
            for (int i = 0; i < distance.length; i++) {
                distance[i] = 1f - cos[i];
            }
            int[] order = pickOrder(distance, n, entering);
            float[] rank = new float[n];
            for (int i = 0; i < order.length; i++) {
                rank[order[i]] = i + 1;
            }
            int[] kept = order.clone();
            Arrays.sort(kept);
            return ProjectorDecision.keep(kept, Map.of("pick_order", rank));
        }

        /**
         * The patches in the order the greedy picks them from the distance matrix {@code [n, n]}: first the
         * one whose second-smallest distance in its column is largest (its nearest other token is farthest),
         * then each time the one whose smallest distance to the picked ones is largest; ties to the lower
         * patch. A patch already picked is never picked again.
         */
        static int[] pickOrder(float[] distance, int n, int k) {
            int[] order = new int[k];
            boolean[] picked = new boolean[n];
            float[] score = new float[n];
            for (int j = 0; j < n; j++) {
                float smallest = Float.POSITIVE_INFINITY;
                float second = Float.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    float d = distance[i * n + j];
                    if (d < smallest) {
                        second = smallest;
                        smallest = d;
                    } else if (d < second) {
                        second = d;
                    }
                }
                score[j] = n == 1 ? smallest : second;
            }
            for (int step = 0; step < k; step++) {
                int best = -1;
                for (int j = 0; j < n; j++) {
                    if (!picked[j] && (best < 0 || score[j] > score[best])) {
                        best = j;
                    }
                }
                order[step] = best;
                picked[best] = true;
                for (int j = 0; j < n; j++) {
                    float d = distance[best * n + j];
                    score[j] = step == 0 ? d : Math.min(score[j], d);
                }
            }
            return order;
        }
    }
}
