package org.transprune.strategies;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.model.ProjectorSignal;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorOnlyStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Selection;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code fastervlm} (docs/method.md#fastervlm): before the decoder, keep the patches the vision tower's
 * [CLS] token attends to most at the feature layer (mean over heads), in their original order.
 */
public final class FasterVlmProvider implements StrategyProvider {

    @Override
    public String name() {
        return "fastervlm";
    }

    @Override
    public String description() {
        return "FasterVLM: before the LLM, keep the patches the tower's [CLS] attends to most";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ProjectorBudget.spec());
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        return new FasterVlm(ProjectorBudget.tokens(p));
    }

    /** Top-k of the tower's head-averaged [CLS] attention. */
    static final class FasterVlm extends ProjectorOnlyStrategy {
        private final int tokens;

        FasterVlm(int tokens) {
            this.tokens = tokens;
        }

        @Override
        public String name() {
            return "fastervlm";
        }

        @Override
        public Set<ProjectorSignal> projectorSignals() {
            return Set.of(ProjectorSignal.CLS_ATTENTION);
        }

        @Override
        public int enteringTokens(int imageTokens) {
            return ProjectorBudget.entering(tokens, imageTokens);
        }

        @Override
        public ProjectorDecision decide(ProjectorInputs in, int entering, long seed) {
            float[] attention = ProjectorBudget.floats(in.clsAttention());
            return ProjectorDecision.keep(select(attention, entering), Map.of("cls_attention", attention));
        }

        /** The {@code k} patches of highest attention, increasing (ties to the lower patch). */
        static int[] select(float[] clsAttention, int k) {
            return Selection.topK(clsAttention, k);
        }
    }
}
