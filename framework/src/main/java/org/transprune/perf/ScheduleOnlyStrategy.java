package org.transprune.perf;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.transprune.cost.PruneSchedule;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.SchedulePreset;

/**
 * A timing stand-in for a pruning method: a fixed schedule with a seeded random pick of the kept
 * tokens and no signals. Prefill time depends on how many tokens each layer processes, not on which
 * ones, so it times a schedule without the method's scoring (which the method's own benchmark adds:
 * its hook time is reported separately). Not registered as a strategy.
 */
public final class ScheduleOnlyStrategy implements PruningStrategy {
    private final String name;
    private final List<Integer> layers;
    private final List<Double> ratios;

    public ScheduleOnlyStrategy(String name, List<Integer> layers, List<Double> ratios) {
        this.name = name;
        this.layers = List.copyOf(layers);
        this.ratios = List.copyOf(ratios);
    }

    /** TransPrune's default schedule: after layers 7, 9, 12 keep 87.5%, 62.5%, 12.5% of N (576: 504, 360, 72). */
    public static ScheduleOnlyStrategy transPruneSchedule() {
        return new ScheduleOnlyStrategy(
                "transprune-schedule (random pick)",
                SchedulePreset.LLAVA_15.layers(),
                SchedulePreset.LLAVA_15.ratios());
    }

    /**
     * The schedule of {@code preset} with a random pick, e.g. {@link SchedulePreset#QWEN_3B} on a 36-layer
     * Qwen2.5-VL.
     */
    public static ScheduleOnlyStrategy of(SchedulePreset preset) {
        return new ScheduleOnlyStrategy(
                "transprune-schedule " + preset.name() + " (random pick)", preset.layers(), preset.ratios());
    }

    /**
     * TransPrune's Qwen2.5-VL schedule for a decoder of {@code layers} layers ({@link SchedulePreset#QWEN_7B} for
     * 28, {@link SchedulePreset#QWEN_3B} for 36), or null for another depth.
     */
    public static ScheduleOnlyStrategy qwenSchedule(int layers) {
        for (SchedulePreset p : List.of(SchedulePreset.QWEN_7B, SchedulePreset.QWEN_3B)) {
            if (p.depth() == layers) {
                return of(p);
            }
        }
        return null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PruneSchedule schedule(int imageTokens, int numLayers) {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(imageTokens, layers, ratios);
        s.requireWithinDepth(numLayers);
        return s;
    }

    @Override
    public LayerSignals signals(int layer, PruneSchedule schedule) {
        return LayerSignals.NONE;
    }

    @Override
    public RequestScorer newRequest(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return (afterLayer, keep, layout) -> {
            int n = layout.imageLength();
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < keep; i++) {
                int j = i + random.nextInt(n - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            int[] kept = Arrays.copyOf(perm, keep);
            Arrays.sort(kept);
            return kept;
        };
    }
}
