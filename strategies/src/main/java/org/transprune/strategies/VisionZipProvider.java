package org.transprune.strategies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.model.ProjectorSignal;
import org.transprune.prune.MergeRule;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorOnlyStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Selection;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code visionzip} (docs/method.md#visionzip): before the decoder, dominant tokens by the tower's
 * [CLS] attention (the CLS token itself among them, as in the authors' LLaVA code) and contextual
 * tokens that merge the rest by key similarity; the split of the authors' defaults (54+10, 108+20,
 * 162+30 for 64/128/192) scaled to any budget.
 */
public final class VisionZipProvider implements StrategyProvider {

    @Override
    public String name() {
        return "visionzip";
    }

    @Override
    public String description() {
        return "VisionZip: before the LLM, dominant tokens by [CLS] attention plus contextual tokens merging the rest";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ProjectorBudget.spec(),
                ParameterSpec.of(
                        "contextual",
                        ParameterSpec.Type.INT,
                        -1,
                        "contextual (merged) tokens among them; -1: the authors' share, round(tokens * 10 / 64)"),
                ParameterSpec.of(
                        "cls",
                        ParameterSpec.Type.BOOLEAN,
                        true,
                        "the tower's CLS token enters as one of the dominant tokens (the authors' LLaVA code)"));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        int tokens = ProjectorBudget.tokens(p);
        int contextual = p.getInt("contextual");
        if (contextual < -1 || contextual > tokens) {
            throw p.invalid("contextual", "must be -1 or in 0.." + tokens + " (the tokens budget), got " + contextual);
        }
        return new VisionZip(tokens, contextual, p.getBoolean("cls"));
    }

    /** Dominant + contextual tokens. */
    static final class VisionZip extends ProjectorOnlyStrategy {
        private final int tokens;
        private final int contextual;
        private final boolean cls;

        VisionZip(int tokens, int contextual, boolean cls) {
            this.tokens = tokens;
            this.contextual = contextual;
            this.cls = cls;
        }

        @Override
        public String name() {
            return "visionzip";
        }

        @Override
        public Set<ProjectorSignal> projectorSignals() {
            return Set.of(ProjectorSignal.CLS_ATTENTION, ProjectorSignal.TOWER_KEYS);
        }

        @Override
        public MergeRule mergeRule() {
            return MergeRule.FEATURE_ANCHOR_PLUS_MEAN;
        }

        @Override
        public int enteringTokens(int imageTokens) {
            return ProjectorBudget.entering(tokens, imageTokens);
        }

        /** Contextual tokens of a budget: the given count, or 10 of every 64 rounded half to even. */
        static int contextualOf(int budget, int contextual) {
            return contextual >= 0 ? Math.min(contextual, budget) : (int) Math.rint(budget * 10.0 / 64);
        }

        @Override
        public ProjectorDecision decide(ProjectorInputs in, int entering, long seed) {
            int n = in.imageTokens();
            float[] attention = ProjectorBudget.floats(in.clsAttention());
            if (entering >= n) {
                return ProjectorDecision.keep(ProjectorBudget.all(n), Map.of("cls_attention", attention));
            }
            float[] keys = ProjectorBudget.floats(in.towerKeys());
            return decide(attention, keys, n, entering, contextualOf(entering, contextual), cls);
        }

        /**
         * The decision for {@code entering} tokens of which {@code contextualCount} are contextual: the rest
         * are dominant, the CLS token one of them when {@code withCls}.
         *
         * @param keys head-averaged keys {@code [n, keyWidth]}, row-major
         */
        static ProjectorDecision decide(
                float[] attention, float[] keys, int n, int entering, int contextualCount, boolean withCls) {
            int dominant = entering - contextualCount;
            boolean leadingCls = withCls && dominant >= 1;
            int dominantPatches = dominant - (leadingCls ? 1 : 0);
            int[] kept = Selection.topK(attention, dominantPatches);
            // With entering < n, more patches remain than contextual tokens are asked for.
            int[] rest = complement(kept, n);
            List<ProjectorDecision.MergedToken> merged = contextual(keys, keys.length / n, rest, contextualCount);
            return new ProjectorDecision(kept, merged, leadingCls, Map.of("cls_attention", attention));
        }

        /**
         * VisionZip's contextual tokens over the remaining patches {@code rest} (increasing), with keys
         * {@code width} wide: targets every
         * {@code max(1, M / c)}-th of them from the first, the others assigned to the target of highest
         * cosine similarity of their keys (ties to the earlier target).
         */
        static List<ProjectorDecision.MergedToken> contextual(float[] keys, int width, int[] rest, int c) {
            List<ProjectorDecision.MergedToken> out = new ArrayList<>();
            if (c == 0) {
                return out;
            }
            int m = rest.length;
            int step = Math.max(1, m / c);
            int[] targets = new int[c];
            boolean[] isTarget = new boolean[m];
            for (int t = 0; t < c; t++) {
                targets[t] = t * step;
                isTarget[t * step] = true;
            }
            List<List<Integer>> absorbed = new ArrayList<>();
            for (int t = 0; t < c; t++) {
                absorbed.add(new ArrayList<>());
            }
            for (int i = 0; i < m; i++) {
                if (isTarget[i]) {
                    continue;
                }
                int best = 0;
                double bestSim = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < c; t++) {
                    double sim = cosine(keys, rest[i], rest[targets[t]], width);
                    if (sim > bestSim) {
                        bestSim = sim;
                        best = t;
                    }
                }
                absorbed.get(best).add(rest[i]);
            }
            for (int t = 0; t < c; t++) {
                int[] a = absorbed.get(t).stream().mapToInt(Integer::intValue).toArray();
                out.add(new ProjectorDecision.MergedToken(rest[targets[t]], a));
            }
            return out;
        }

        private static double cosine(float[] keys, int a, int b, int width) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int j = 0; j < width; j++) {
                double x = keys[a * width + j];
                double y = keys[b * width + j];
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            return dot / (Math.sqrt(na) * Math.sqrt(nb));
        }

        private static int[] complement(int[] sortedKept, int n) {
            int[] out = new int[n - sortedKept.length];
            int r = 0;
            for (int p = 0; p < n; p++) {
                if (Arrays.binarySearch(sortedKept, p) < 0) {
                    out[r++] = p;
                }
            }
            return out;
        }
    }
}
