package org.transprune.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.transprune.bench.OnError;
import org.transprune.prune.Plugins;

/**
 * Validates an experiment file and expands it into a {@link SweepPlan}, collecting every problem
 * (file, line, key) before reporting them together; nothing is run before the whole file is known
 * to be valid, and validating writes nothing (data a run generates is a {@link RunPreparation} step).
 *
 * <p>Each section has its own reader: {@link ExperimentFiles} (YAML, {@code extends:}, variables),
 * {@link ModelSection}, {@link BenchmarkSection} (with {@link SynthGeneration}), {@link StrategyGrid}
 * (with {@link ParameterAxes} and {@link ConfigurationCost}); {@link YamlChecks} holds the problems
 * they find.
 *
 * <p>The format (see {@code experiments/README.md} for a commented example):
 * <pre>
 * extends: paths.yaml            # optional, see {@link ExperimentFiles}
 * name: table1                   # optional, defaults to the file name
 * plugins: [l2norm.jar, DIR]     # optional: strategy plug-ins (jars or class folders), relative to the file
 * model: {path: DIR | preset: NAME, device: auto, weights: auto, template: vicuna_v1,
 *         vision_tower: DIR, threads: N}
 * data_root: DIR                 # LLaVA's playground/data/eval, for benchmarks' default paths
 * benchmarks:                    # names, or mappings
 *   - gqa
 *   - {name: synth, root: DIR, limit: 100, label: synth-small,
 *      questions: FILE, images: DIR, annotations: PATH, on_error: skip}
 *   - {name: synth, root: DIR, generate: {seed: 1, images: 500}}  # written before the run
 * strategies:
 *   - name: transprune
 *     label: TransPrune          # optional display name
 *     params: {window: 3}        # fixed values
 *     grid: {alpha: [0.4, 0.5]}  # cartesian product of these lists
 *     zip:                       # paired lists (a mapping, or a list of such groups)
 *       layers: [[5, 7, 10], [6, 8, 11]]
 *       ratios: [[0.875, 0.625, 0.125], [0.875, 0.625, 0.125]]
 *     budget: {tflops_ratio: 0.4}  # optional: solve the strategy's budget parameter (docs/method.md#budgets)
 * budget: {tokens: 192}          # optional: every pruning entry's budget, unless it writes budget: none
 * seeds: [0]                     # default [0]
 * max_new_tokens: 128            # default 128, as LLaVA's evaluation scripts
 * on_error: fail                 # default for the benchmarks: fail or skip
 * output: runs/table1            # relative to the experiment file; default runs/NAME beside it
 * </pre>
 */
public final class ExperimentParser {

    /** Whether the plan will be run or only printed. */
    public enum Mode {
        /** Every path must exist. */
        RUN,
        /** Missing data paths, and a missing checkpoint when a preset gives the shape, are warnings. */
        DRY_RUN
    }

    static final Set<String> TOP_LEVEL = Set.of(
            "name",
            "plugins",
            "model",
            "data_root",
            "benchmarks",
            "strategies",
            "seeds",
            "max_new_tokens",
            BudgetSection.KEY,
            "on_error",
            "output");
    static final int DEFAULT_MAX_NEW_TOKENS = 128;

    private ExperimentParser() {}

    /** Parses with the process environment. */
    public static SweepPlan parse(Path file, Mode mode) {
        return parse(file, mode, System::getenv);
    }

    /**
     * Reads, validates and expands {@code file}.
     *
     * @throws ExperimentException listing every problem found
     */
    public static SweepPlan parse(Path file, Mode mode, Function<String, String> environment) {
        ExperimentFiles files = new ExperimentFiles(environment);
        YamlValue.Mapping doc = files.load(file);
        if (doc == null || !files.problems().isEmpty()) {
            // A file that cannot be read (syntax, a missing or cyclic parent) is reported alone: the
            // sections it would have given would only add problems that follow from it.
            throw new ExperimentException(files.problems());
        }
        YamlChecks checks = new YamlChecks(mode);
        SweepPlan plan = plan(file.toAbsolutePath().normalize(), doc, checks);
        if (!checks.problems().isEmpty()) {
            throw new ExperimentException(checks.problems());
        }
        return plan;
    }

    private static SweepPlan plan(Path file, YamlValue.Mapping doc, YamlChecks checks) {
        checks.unknownKeys(doc, "", TOP_LEVEL);
        String fileStem = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String name = checks.string(doc, "name", "name", fileStem);
        plugins(doc.get("plugins"), checks);
        ModelSpec model = new ModelSection(checks).read(doc);
        OnError onError = checks.onError(doc.get("on_error"), "on_error", OnError.FAIL);
        BenchmarkSection benchmarkSection = new BenchmarkSection(checks);
        List<BenchmarkSpec> benchmarks = benchmarkSection.read(doc, onError);
        List<Long> seeds = seeds(doc.get("seeds"), checks);
        Integer maxNew = checks.atLeast(doc.get("max_new_tokens"), "max_new_tokens", DEFAULT_MAX_NEW_TOKENS, 1);
        // The model's identity fingerprints the checkpoint: computed once, only when it can be used.
        Map<String, Object> identity = checks.problems().isEmpty() ? model.identity() : Map.of();
        BudgetSection.Stated budget = BudgetSection.read(doc.get(BudgetSection.KEY), BudgetSection.KEY, false, checks);
        List<RunConfiguration> configs = new StrategyGrid(
                        checks, model, identity, seeds, maxNew == null ? DEFAULT_MAX_NEW_TOKENS : maxNew, budget)
                .read(doc);
        Path output = doc.get("output") == null
                ? file.getParent().resolve("runs").resolve(name)
                : checks.path(doc.get("output"), "output", false);
        return new SweepPlan(
                file,
                name,
                model,
                benchmarks,
                configs,
                output,
                checks.warnings(),
                new RunPreparation(benchmarkSection.generations()));
    }

    /** Adds the file's {@code plugins:} (a path or a list of paths) to the plug-in path before strategies are read. */
    private static void plugins(YamlValue v, YamlChecks checks) {
        if (v == null) {
            return;
        }
        List<YamlValue> items = v instanceof YamlValue.Sequence s ? s.items() : List.of(v);
        for (int i = 0; i < items.size(); i++) {
            String key = "plugins" + (v instanceof YamlValue.Sequence ? "[" + i + "]" : "");
            Path p = checks.path(items.get(i), key, false);
            if (p == null) {
                continue;
            }
            try {
                Plugins.add(List.of(p));
            } catch (IllegalArgumentException e) {
                checks.problem(items.get(i), key, e.getMessage());
            }
        }
    }

    private static List<Long> seeds(YamlValue v, YamlChecks checks) {
        if (v == null) {
            return List.of(0L);
        }
        List<YamlValue> items = v instanceof YamlValue.Sequence s ? s.items() : List.of(v);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YamlValue item = items.get(i);
            if (item instanceof YamlValue.Scalar sc && (sc.value() instanceof Integer || sc.value() instanceof Long)) {
                long seed = ((Number) sc.value()).longValue();
                if (!out.contains(seed)) {
                    out.add(seed);
                }
            } else {
                checks.problem(
                        item,
                        "seeds" + (v instanceof YamlValue.Sequence ? "[" + i + "]" : ""),
                        "must be an integer, got " + YamlChecks.describe(item));
            }
        }
        if (out.isEmpty() && items.isEmpty()) {
            checks.problem(v, "seeds", "must list at least one seed");
        }
        return out;
    }
}
