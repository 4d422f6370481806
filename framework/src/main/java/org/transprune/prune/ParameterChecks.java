package org.transprune.prune;

import java.util.ArrayList;
import java.util.List;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.PositionPolicy;

/**
 * Declarations and range checks of the parameters many strategies share: the pruning
 * {@code layers}, the keep {@code ratios} and the {@code positions} policy, plus schedule helpers.
 * Every failure names the strategy and the parameter. For plug-ins as well as the bundled providers.
 */
public final class ParameterChecks {
    private ParameterChecks() {}

    /** {@code layers}: 1-based decoder layers after which to prune, defaulting to {@code defaults}. */
    public static ParameterSpec layersSpec(List<Integer> defaults) {
        return ParameterSpec.ints(
                "layers", defaults, "1-based decoder layers after which to prune, strictly increasing");
    }

    /**
     * {@code ratios}: keep ratio of the original image tokens per pruning layer, defaulting to {@code defaults}; the
     * strategy's budget parameter (a budget solver scales the list by one factor, each ratio staying in (0, 1]).
     */
    public static ParameterSpec ratiosSpec(List<Double> defaults) {
        return ParameterSpec.doubles(
                        "ratios",
                        defaults,
                        "keep ratio per pruning layer, of the ORIGINAL image-token count N (int(N*r)), strictly decreasing, in (0, 1]")
                .asBudget(ParameterSpec.Budget.interval(0, true, 1, false));
    }

    /**
     * {@code layers} and {@code ratios} defaulting to a schedule's (e.g. {@link SchedulePreset#LLAVA_15},
     * TransPrune's default; {@code schedule: NAME} in an experiment file fills both in), then {@code more}.
     */
    public static List<ParameterSpec> scheduleSpecs(SchedulePreset defaults, ParameterSpec... more) {
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(layersSpec(defaults.layers()));
        specs.add(ratiosSpec(defaults.ratios()));
        specs.addAll(List.of(more));
        return List.copyOf(specs);
    }

    /** {@code positions}: position ids after a prune, defaulting to {@code defaultPolicy}. */
    public static ParameterSpec positionsSpec(PositionPolicy defaultPolicy) {
        return ParameterSpec.of(
                "positions",
                ParameterSpec.Type.STRING,
                defaultPolicy.configName(),
                "position ids after a prune: renumber | keep-original");
    }

    /** {@code layers}, checked as {@link #layers(StrategyParameters, String)}. */
    public static List<Integer> layers(StrategyParameters p) {
        return layers(p, "layers");
    }

    /** {@code ratios}, checked as {@link #ratios(StrategyParameters, String, int)}. */
    public static List<Double> ratios(StrategyParameters p, int layerCount) {
        return ratios(p, "ratios", layerCount);
    }

    /** A non-empty list of layers, each at least 1, strictly increasing. */
    public static List<Integer> layers(StrategyParameters p, String name) {
        List<Integer> layers = p.getInts(name);
        if (layers.isEmpty()) {
            throw p.invalid(name, "needs at least one layer");
        }
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) < 1) {
                throw p.invalid(name, "holds layer " + layers.get(i) + "; layers are numbered from 1");
            }
            if (i > 0 && layers.get(i) <= layers.get(i - 1)) {
                throw p.invalid(
                        name, "must be strictly increasing, but " + layers.get(i) + " follows " + layers.get(i - 1));
            }
        }
        return layers;
    }

    /** One ratio per layer, each in (0, 1], strictly decreasing (they are fractions of the same N). */
    public static List<Double> ratios(StrategyParameters p, String name, int layerCount) {
        List<Double> ratios = p.getDoubles(name);
        if (ratios.size() != layerCount) {
            throw p.invalid(
                    name,
                    "needs one ratio per pruning layer: " + layerCount + " layers but " + ratios.size() + " ratios");
        }
        for (int i = 0; i < ratios.size(); i++) {
            double r = ratios.get(i);
            if (!(r > 0 && r <= 1)) {
                throw p.invalid(name, "holds " + r + ", outside (0, 1]");
            }
            if (i > 0 && r >= ratios.get(i - 1)) {
                throw p.invalid(name, "must be strictly decreasing, but " + r + " follows " + ratios.get(i - 1));
            }
        }
        return ratios;
    }

    /** A number in [0, 1]. */
    public static double unitInterval(StrategyParameters p, String name) {
        double v = p.getDouble(name);
        if (!(v >= 0 && v <= 1)) {
            throw p.invalid(name, "must be in [0, 1]");
        }
        return v;
    }

    /** {@code positions} as a policy. */
    public static PositionPolicy positions(StrategyParameters p) {
        try {
            return PositionPolicy.parse(p.getString("positions"));
        } catch (IllegalArgumentException e) {
            throw p.invalid("positions", "must be renumber or keep-original");
        }
    }

    /** {@code schedule}, after checking it fits a model of {@code numLayers} layers. */
    public static PruneSchedule withinDepth(String strategy, PruneSchedule schedule, int numLayers) {
        try {
            schedule.requireWithinDepth(numLayers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("strategy '" + strategy + "': " + e.getMessage(), e);
        }
        return schedule;
    }

    /** Whether some stage of {@code schedule} prunes right after {@code layer}. */
    public static boolean prunesAfter(PruneSchedule schedule, int layer) {
        for (PruneSchedule.Stage s : schedule.stages()) {
            if (s.afterLayer() == layer) {
                return true;
            }
        }
        return false;
    }
}
