package org.transprune.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.prune.ChainedStrategy;
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
            description = "pruning strategy (see `transprune strategies`); omit for the unpruned model; FIRST+SECOND"
                    + " chains a projector-stage strategy with an in-LLM one (--param FIRST.key=... and"
                    + " SECOND.key=...; docs/method.md#chaining)")
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
        if (strategy.contains("+")) {
            return chain(values);
        }
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

    /** {@code FIRST+SECOND}: each parameter goes to the member its prefix names; the schedule to the second. */
    private PruningStrategy chain(Map<String, Object> values) {
        String[] names = strategy.split("\\+", -1);
        if (names.length != 2 || names[0].isBlank() || names[1].isBlank()) {
            throw new UserError("--strategy " + strategy + ": a chain is FIRST+SECOND, e.g. visionzip+transprune");
        }
        Map<String, Object> first = new LinkedHashMap<>();
        Map<String, Object> second = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(names[0] + ".")) {
                first.put(k.substring(names[0].length() + 1), v);
            } else if (k.startsWith(names[1] + ".")) {
                second.put(k.substring(names[1].length() + 1), v);
            } else {
                throw new UserError("--param " + k + ": in a chain, name the member: " + names[0] + "." + k + " or "
                        + names[1] + "." + k);
            }
        });
        try {
            if (schedule != null) {
                SchedulePreset.of(schedule)
                        .parametersFor(Strategies.provider(names[1]))
                        .forEach(second::putIfAbsent);
            }
            return ChainedStrategy.of(Strategies.create(names[0], first), Strategies.create(names[1], second));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** {@code KEY=VALUE} pairs with YAML values, as an experiment file would give them. */
    static Map<String, Object> parseParameters(Map<String, String> raw) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        Yaml yaml = new Yaml();
        raw.forEach((k, v) -> parsed.put(k, yaml.load(v)));
        return parsed;
    }
}
