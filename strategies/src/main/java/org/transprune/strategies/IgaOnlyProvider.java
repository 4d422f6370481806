package org.transprune.strategies;

import java.util.List;
import org.transprune.model.PositionPolicy;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code iga}: TransPrune with alpha = 0, ranking by instruction-guided attention alone. It asks
 * for no sub-layer transitions.
 */
public final class IgaOnlyProvider implements StrategyProvider {

    @Override
    public String name() {
        return "iga";
    }

    @Override
    public String description() {
        return "TransPrune ablation: instruction-guided attention only (alpha = 0)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return ParameterChecks.scheduleSpecs(
                TransPruneProvider.DEFAULTS, ParameterChecks.positionsSpec(PositionPolicy.RENUMBER));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        return TransPruneProvider.build(name(), p, 0.0);
    }
}
