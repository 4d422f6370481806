package org.transprune.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.SchedulePreset;
import org.transprune.prune.Strategies;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.Option;

/** {@code --strategy NAME --param key=value ...}: one strategy from the command line. */
public final class StrategyOptions {
    @Option(
            names = "--strategy",
            paramLabel = "NAME",
            description = "pruning strategy (see `transprune strategies`); omit for the unpruned model")
    String strategy;

    @Option(
            names = "--param",
            paramLabel = "KEY=VALUE",
            description = "strategy parameter, value in YAML syntax, e.g. layers=[7,9,12] alpha=0.5 (repeatable)")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(
            names = "--schedule",
            paramLabel = "NAME",
            description =
                    "named schedule filling in layers/ratios/window the strategy declares and --param does not set:"
                            + " llava-1.5 (the paper's) | micro (scaled to the 10-layer micro LLaVA)")
    String schedule;

    /** The strategy, or null for none. */
    public PruningStrategy create() {
        if (strategy == null) {
            if (!params.isEmpty() || schedule != null) {
                throw new UserError((schedule != null ? "--schedule" : "--param") + " given without --strategy");
            }
            return null;
        }
        Map<String, Object> values = parseParameters(params);
        if (schedule != null) {
            try {
                SchedulePreset.of(schedule)
                        .parametersFor(Strategies.provider(strategy))
                        .forEach(values::putIfAbsent);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
        return Strategies.create(strategy, values);
    }

    /** {@code KEY=VALUE} pairs with YAML values, as an experiment file would give them. */
    static Map<String, Object> parseParameters(Map<String, String> raw) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        Yaml yaml = new Yaml();
        raw.forEach((k, v) -> parsed.put(k, yaml.load(v)));
        return parsed;
    }
}
