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
        Map<String, Object> parsed = new LinkedHashMap<>();
        Yaml yaml = new Yaml();
        params.forEach((k, v) -> parsed.put(k, yaml.load(v)));
        return Strategies.create(strategy, parsed);
    }
}
