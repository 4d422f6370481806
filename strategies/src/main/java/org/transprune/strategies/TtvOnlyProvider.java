package org.transprune.strategies;

import java.util.List;
import org.transprune.model.PositionPolicy;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code ttv}: TransPrune with alpha = 1, ranking by accumulated TTV alone. Attention-free: it
 * never asks the engine for attention rows.
 */
public final class TtvOnlyProvider implements StrategyProvider {

    @Override
    public String name() {
        return "ttv";
    }

    @Override
    public String description() {
        return "TransPrune ablation: token transition variation only (alpha = 1, attention-free)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return ParameterChecks.scheduleSpecs(
                TransPruneProvider.DEFAULTS,
                TransPruneProvider.windowSpec(),
                TransPruneProvider.cosineSpec(),
                ParameterChecks.positionsSpec(PositionPolicy.RENUMBER));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        return TransPruneProvider.build(name(), p, 1.0);
    }
}
