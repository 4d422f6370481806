package org.example.l2norm;

import java.util.List;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.SchedulePreset;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code l2norm}: at each pruning layer, keeps the image tokens whose residual-stream hidden state
 * has the largest L2 norm. Registered in {@code META-INF/services/org.transprune.prune.StrategyProvider}.
 */
public final class L2NormProvider implements StrategyProvider {

    @Override
    public String name() {
        return "l2norm";
    }

    @Override
    public String description() {
        return "keeps the image tokens with the largest hidden-state L2 norm (plug-in example)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        // layers and ratios, defaulting to the paper's LLaVA-1.5 schedule; `schedule: NAME` fills both in.
        return ParameterChecks.scheduleSpecs(SchedulePreset.LLAVA_15);
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        List<Integer> layers = ParameterChecks.layers(p);
        return new L2NormStrategy(layers, ParameterChecks.ratios(p, layers.size()));
    }
}
