package org.transprune.run;

import java.nio.file.Path;
import java.util.List;

/**
 * A validated experiment, expanded: the model, the benchmarks with resolved paths, every
 * configuration of every strategy's grid (unpruned ones first, so agreement with the unpruned
 * answers can be computed as soon as a configuration finishes) and where results go.
 *
 * @param source the experiment file
 * @param name the experiment's name (its {@code name:} or the file name without extension)
 * @param model the model section
 * @param benchmarks the benchmarks, in file order
 * @param configurations the expanded grid, unpruned configurations first
 * @param output the run directory
 * @param warnings problems that do not stop a dry run (e.g. a missing checkpoint when a preset
 *     gives the shape)
 * @param preparation what the run writes before its sweep (data to generate); validation wrote nothing
 */
public record SweepPlan(
        Path source,
        String name,
        ModelSpec model,
        List<BenchmarkSpec> benchmarks,
        List<RunConfiguration> configurations,
        Path output,
        List<ExperimentProblem> warnings,
        RunPreparation preparation) {

    public SweepPlan {
        benchmarks = List.copyOf(benchmarks);
        configurations = List.copyOf(configurations);
        warnings = List.copyOf(warnings);
        preparation = preparation == null ? RunPreparation.none() : preparation;
    }

    /** The same plan writing to {@code dir}. */
    public SweepPlan withOutput(Path dir) {
        return new SweepPlan(source, name, model, benchmarks, configurations, dir, warnings, preparation);
    }

    /** The configuration with this hash, or null. */
    public RunConfiguration configuration(String hash) {
        return configurations.stream()
                .filter(c -> c.hash().equals(hash))
                .findFirst()
                .orElse(null);
    }

    /** The benchmark with this label, or null. */
    public BenchmarkSpec benchmark(String label) {
        return benchmarks.stream()
                .filter(b -> b.label().equals(label))
                .findFirst()
                .orElse(null);
    }
}
