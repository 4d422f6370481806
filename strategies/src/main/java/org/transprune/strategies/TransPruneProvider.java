package org.transprune.strategies;

import java.util.List;
import org.transprune.model.PositionPolicy;
import org.transprune.prune.ParameterChecks;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.SchedulePreset;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * {@code transprune}: TTV + IGA (docs/method.md#transprune), by default with the paper's LLaVA-1.5 schedule
 * ({@link SchedulePreset#LLAVA_15}: prune after layers 7, 9, 12 keeping 0.875, 0.625, 0.125 of N;
 * TTV window 7..12), alpha 0.5, signed cosine and renumbered positions (see docs/method.md).
 *
 * <p>A pruning layer before the window start is rejected: no window layer would have run, so the
 * TTV term would be zero for every token and the ranking would silently become IGA-only (the
 * reference code does exactly that).
 */
public final class TransPruneProvider implements StrategyProvider {
    /** The default schedule (layers, ratios, window): the paper's for LLaVA-1.5, defined once in the SPI. */
    static final SchedulePreset DEFAULTS = SchedulePreset.LLAVA_15;

    @Override
    public String name() {
        return "transprune";
    }

    @Override
    public String description() {
        return "TransPrune: token transition variation (TTV) + instruction-guided attention (IGA)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return ParameterChecks.scheduleSpecs(
                DEFAULTS,
                ParameterSpec.of(
                        "alpha",
                        ParameterSpec.Type.DOUBLE,
                        0.5,
                        "weight of TTV in alpha*TTV + (1-alpha)*IGA, in [0, 1]"),
                windowSpec(),
                cosineSpec(),
                ParameterChecks.positionsSpec(PositionPolicy.RENUMBER));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        return build(name(), p, ParameterChecks.unitInterval(p, "alpha"));
    }

    static ParameterSpec windowSpec() {
        return ParameterSpec.ints(
                "window",
                DEFAULTS.window(),
                "[first, last] layers (inclusive) whose TTV is accumulated; must start at or before the first pruning layer");
    }

    static ParameterSpec cosineSpec() {
        return ParameterSpec.of(
                "cosine",
                ParameterSpec.Type.STRING,
                "signed",
                "direction change: signed (1 - cos, reference code) | abs (1 - |cos|, paper)");
    }

    /**
     * Builds the TransPrune family member {@code name} with the given alpha; {@code window} and
     * {@code cosine} are read when declared (the IGA-only variant has neither).
     */
    static TransPruneStrategy build(String name, StrategyParameters p, double alpha) {
        List<Integer> layers = ParameterChecks.layers(p);
        List<Double> ratios = ParameterChecks.ratios(p, layers.size());
        int windowStart = DEFAULTS.window().get(0);
        int windowEnd = DEFAULTS.window().get(1);
        TransitionVariation.Cosine cosine = TransitionVariation.Cosine.SIGNED;
        if (p.asMap().containsKey("window")) {
            List<Integer> window = p.getInts("window");
            if (window.size() != 2) {
                throw p.invalid("window", "must be [first, last], two layers");
            }
            windowStart = window.get(0);
            windowEnd = window.get(1);
            if (windowStart < 1 || windowEnd < windowStart) {
                throw p.invalid("window", "must satisfy 1 <= first <= last");
            }
            if (alpha > 0 && layers.get(0) < windowStart) {
                throw p.invalid(
                        "window",
                        "starts after the first pruning layer " + layers.get(0)
                                + ": no TTV would have been accumulated there");
            }
        }
        if (p.asMap().containsKey("cosine")) {
            try {
                cosine = TransitionVariation.Cosine.parse(p.getString("cosine"));
            } catch (IllegalArgumentException e) {
                throw p.invalid("cosine", "must be signed or abs");
            }
        }
        return new TransPruneStrategy(
                name, layers, ratios, alpha, windowStart, windowEnd, cosine, ParameterChecks.positions(p));
    }
}
