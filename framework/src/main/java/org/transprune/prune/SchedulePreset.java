package org.transprune.prune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named pruning schedule: the {@code layers}, {@code ratios} and {@code window} a strategy of the
 * TransPrune family (and any strategy declaring those parameters) should use on a model of a given
 * depth. Experiment files select one with {@code schedule: NAME} on a strategy, the command line
 * with {@code --schedule NAME}; parameters written explicitly take precedence, and only parameters
 * the strategy declares are filled in (IGA-only has no window).
 *
 * @param name how experiment files and the command line refer to it
 * @param depth decoder layers of the model it was made for
 * @param layers 1-based layers after which to prune
 * @param ratios keep ratio of the original image tokens at each pruning layer
 * @param window first and last layer whose transition variation is accumulated
 * @param description one line for {@code transprune strategies}
 */
public record SchedulePreset(
        String name, int depth, List<Integer> layers, List<Double> ratios, List<Integer> window, String description) {

    /**
     * The paper's schedule for LLaVA-1.5 (32 layers): prune after 7, 9, 12 keeping 0.875, 0.625, 0.125
     * of the image tokens; TTV window 7..12. TransPrune's default, defined here only.
     */
    public static final SchedulePreset LLAVA_15 = new SchedulePreset(
            "llava-1.5",
            32,
            List.of(7, 9, 12),
            List.of(0.875, 0.625, 0.125),
            List.of(7, 12),
            "the paper's LLaVA-1.5 schedule (32 layers)");

    /**
     * The paper's schedule scaled to the 10-layer micro LLaVA: layers 7, 9, 12 of 32 are at 22%, 28%
     * and 38% of the depth, which round to layers 2, 3 and 4 of 10 (round(7 x 10 / 32) = 2,
     * round(9 x 10 / 32) = 3, round(12 x 10 / 32) = 4); the window spans the pruning layers as in
     * the paper; the keep ratios are the paper's. 41% of the unpruned prefill FLOPs on the micro model.
     */
    public static final SchedulePreset MICRO = new SchedulePreset(
            "micro",
            10,
            List.of(2, 3, 4),
            LLAVA_15.ratios(),
            List.of(2, 4),
            "the paper's schedule scaled to the 10-layer micro LLaVA");

    /**
     * The paper's LLaVA-1.5 schedule scaled to Qwen2.5-VL-7B's 28 layers. The TransPrune paper's Qwen settings
     * are not in its public code (liaolea/TransPrune has LLaVA scripts only), so the layers keep their relative
     * depth: 7, 9, 12 of 32 are 21.9%, 28.1% and 37.5%, i.e. 6.1, 7.9 and 10.5 of 28, rounded half up to 6, 8
     * and 11; window 6..11; the paper's keep ratios.
     */
    public static final SchedulePreset QWEN_7B = new SchedulePreset(
            "qwen2.5-vl-7b",
            28,
            List.of(6, 8, 11),
            LLAVA_15.ratios(),
            List.of(6, 11),
            "the LLaVA-1.5 schedule scaled to Qwen2.5-VL-7B (28 layers)");

    /**
     * The paper's LLaVA-1.5 schedule scaled to Qwen2.5-VL-3B's 36 layers by relative depth, as {@link #QWEN_7B}:
     * 7.9, 10.1 and 13.5 of 36, rounded half up to 8, 10 and 14; window 8..14; the paper's keep ratios.
     */
    public static final SchedulePreset QWEN_3B = new SchedulePreset(
            "qwen2.5-vl-3b",
            36,
            List.of(8, 10, 14),
            LLAVA_15.ratios(),
            List.of(8, 14),
            "the LLaVA-1.5 schedule scaled to Qwen2.5-VL-3B (36 layers)");

    private static final List<SchedulePreset> ALL = List.of(LLAVA_15, MICRO, QWEN_7B, QWEN_3B);

    public SchedulePreset {
        layers = List.copyOf(layers);
        ratios = List.copyOf(ratios);
        window = List.copyOf(window);
    }

    /** Every preset, in a fixed order. */
    public static List<SchedulePreset> all() {
        return ALL;
    }

    /** The preset called {@code name}; an unknown name lists the known ones. */
    public static SchedulePreset of(String name) {
        for (SchedulePreset p : ALL) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown schedule '" + name + "' (schedules: "
                + String.join(", ", ALL.stream().map(SchedulePreset::name).toList()) + ")");
    }

    /** The preset's values of the parameters {@code provider} declares, by parameter name. */
    public Map<String, Object> parametersFor(StrategyProvider provider) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParameterSpec s : provider.parameters()) {
            switch (s.name()) {
                case "layers" -> out.put("layers", layers);
                case "ratios" -> out.put("ratios", ratios);
                case "window" -> out.put("window", window);
                default -> {}
            }
        }
        return out;
    }
}
