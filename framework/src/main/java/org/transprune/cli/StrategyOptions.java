package org.transprune.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.Option;

/** {@code --strategy NAME --param key=value ...}: one strategy from the command line. */
public final class StrategyOptions {
    @Option(names = "--strategy", paramLabel = "NAME",
            description = "pruning strategy (see `transprune strategies`); omit for the unpruned model")
    String strategy;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "strategy parameter, value in YAML syntax, e.g. layers=[7,9,12] alpha=0.5 (repeatable)")
    Map<String, String> params = new LinkedHashMap<>();

    /** The strategy, or null for none. */
    public PruningStrategy create() {
        if (strategy == null) {
            if (!params.isEmpty()) {
                throw new UserError("--param given without --strategy");
            }
            return null;
        }
        return Strategies.create(strategy, parseParameters(params));
    }

    /** {@code KEY=VALUE} pairs with YAML values, as an experiment file would give them. */
    static Map<String, Object> parseParameters(Map<String, String> raw) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        Yaml yaml = new Yaml();
        raw.forEach((k, v) -> parsed.put(k, yaml.load(v)));
        return parsed;
    }
}
