package org.transprune.strategies;

import java.util.ArrayList;
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

/**
 * {@code cdpruner} (docs/method.md#cdpruner): before the decoder, the greedy MAP subset of a conditional
 * DPP whose kernel is the projected tokens' cosine similarity weighted by each token's relevance to the
 * instruction, as in the authors' LLaVA code; relevance is read from the decoder's embeddings of the
 * instruction tokens, since LLaVA checkpoints carry no CLIP text tower.
 */
public final class CdPrunerProvider implements StrategyProvider {

    @Override
    public String name() {
        return "cdpruner";
    }

    @Override
    public String description() {
        return "CDPruner: before the LLM, greedy MAP of a DPP over the projected tokens conditioned on the instruction";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ProjectorBudget.spec(),
                ParameterSpec.of(
                        "negate",
                        ParameterSpec.Type.BOOLEAN,
                        true,
                        "relevance is the mean NEGATIVE cosine to the instruction, as the authors' LLaVA code has it"));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        return new CdPruner(ProjectorBudget.tokens(p), p.getBoolean("negate"));
    }

    /** Conditional DPP, greedy MAP. */
    static final class CdPruner extends ProjectorOnlyStrategy {
        private final int tokens;
        private final boolean negate;

        CdPruner(int tokens, boolean negate) {
            this.tokens = tokens;
            this.negate = negate;
        }

        @Override
        public String name() {
            return "cdpruner";
        }

        @Override
        public Set<ProjectorSignal> projectorSignals() {
            return Set.of(ProjectorSignal.PROJECTED_TOKENS, ProjectorSignal.INSTRUCTION_EMBEDDINGS);
        }

        @Override
        public int enteringTokens(int imageTokens) {
            return ProjectorBudget.entering(tokens, imageTokens);
        }

        @Override
        public ProjectorDecision decide(ProjectorInputs in, int entering, long seed) {
            int n = in.imageTokens();
            long t = in.instruction().getShape().get(0);
            float[] cross = t == 0 ? new float[0] : crossCosine(in);
            float[] relevance = relevance(cross, n, (int) t, negate);
            return select(in, relevance, entering);
        }

        /**
         * The views of one image (LLaVA-NeXT, {@code ViewRule.PER_VIEW_GRID} as the authors' code strips
         * {@code _unpad}): each view's DPP picks its own budget, but the relevance is min-max scaled over all
         * views together, as the authors' {@code relevance.min()} / {@code max()} over the batch of views does.
         */
        @Override
        public List<ProjectorDecision> decideViews(List<ProjectorInputs> views, int[] entering, long seed) {
            List<float[]> raw = new ArrayList<>();
            boolean text = true;
            for (ProjectorInputs in : views) {
                long t = in.instruction().getShape().get(0);
                text &= t > 0;
                raw.add(t == 0 ? null : meanCosine(crossCosine(in), in.imageTokens(), (int) t, negate));
            }
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            if (text) {
                for (float[] r : raw) {
                    for (float v : r) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            List<ProjectorDecision> out = new ArrayList<>();
            for (int v = 0; v < views.size(); v++) {
                int n = views.get(v).imageTokens();
                float[] relevance = text ? scale(raw.get(v), min, max) : ones(n);
                out.add(select(views.get(v), relevance, entering[v]));
            }
            return out;
        }

        private static ProjectorDecision select(ProjectorInputs in, float[] relevance, int entering) {
            int n = in.imageTokens();
            float[] similarity = ProjectorBudget.cosineMatrix(in.projected());
            int[] picked = greedyMap(kernel(similarity, relevance, n), n, entering);
            int[] kept = picked.clone();
            Arrays.sort(kept);
            return ProjectorDecision.keep(kept, Map.of("relevance", relevance));
        }

        /** Cosine of each image token with each instruction token, {@code [n, t]}. */
        private static float[] crossCosine(ProjectorInputs in) {
            var image = in.projected().toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            var text = in.instruction().toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            var a = image.div(image.norm(new int[] {-1}, true));
            var b = text.div(text.norm(new int[] {-1}, true));
            return a.matMul(b.transpose()).toFloatArray();
        }

        /**
         * The authors' relevance: the mean over instruction tokens of the (negated) cosine, min-max scaled as
         * {@code (r - min + 1e-6) / (max - min)}; all ones without instruction tokens or when every token
         * scores the same.
         */
        static float[] relevance(float[] cross, int n, int t, boolean negate) {
            if (t == 0) {
                return ones(n);
            }
            float[] r = meanCosine(cross, n, t, negate);
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : r) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            return scale(r, min, max);
        }

        /** The mean over instruction tokens of the (negated) cosine, per image token. */
        private static float[] meanCosine(float[] cross, int n, int t, boolean negate) {
            float[] r = new float[n];
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    sum += cross[i * t + j];
                }
                r[i] = (float) ((negate ? -sum : sum) / t);
            }
            return r;
        }

        /** {@code (r - min + 1e-6) / (max - min)}, or all ones when {@code max} is not above {@code min}. */
        private static float[] scale(float[] r, float min, float max) {
            int n = r.length;
            if (!(max > min)) {
                return ones(n);
            }
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = (float) ((r[i] - min + 1e-6) / (max - min));
            }
            return out;
        }

        private static float[] ones(int n) {
            float[] r = new float[n];
            Arrays.fill(r, 1f);
            return r;
        }

        /** {@code L_ij = r_i * S_ij * r_j}, in double. */
        static double[] kernel(float[] similarity, float[] relevance, int n) {
            double[] l = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    l[i * n + j] = (double) relevance[i] * similarity[i * n + j] * relevance[j];
                }
            }
            return l;
        }

        /**
         * The authors' fast greedy MAP inference: each step picks the token of largest remaining
         * {@code d_i^2} (ties to the lower index), then updates every token's Cholesky row and
         * {@code d^2}. Picks in order; a token already picked is never picked again, and a step whose
         * {@code d^2} is not positive adds a zero row (the reference would divide by zero there).
         */
        static int[] greedyMap(double[] kernel, int n, int k) {
            double[][] c = new double[k][];
            double[] d2 = new double[n];
            boolean[] picked = new boolean[n];
            for (int i = 0; i < n; i++) {
                d2[i] = kernel[i * n + i];
            }
            int[] order = new int[k];
            for (int step = 0; step < k; step++) {
                int j = -1;
                for (int i = 0; i < n; i++) {
                    if (!picked[i] && (j < 0 || d2[i] > d2[j])) {
                        j = i;
                    }
                }
                order[step] = j;
                picked[j] = true;
                double[] e = new double[n];
                double scale = d2[j] > 0 ? Math.sqrt(d2[j]) : 0;
                for (int i = 0; i < n; i++) {
                    double v = kernel[j * n + i];
                    for (int s = 0; s < step; s++) {
                        v -= c[s][j] * c[s][i];
                    }
                    e[i] = scale > 0 ? v / scale : 0;
                }
                c[step] = e;
                for (int i = 0; i < n; i++) {
                    d2[i] -= e[i] * e[i];
                }
            }
            return order;
        }
    }
}
