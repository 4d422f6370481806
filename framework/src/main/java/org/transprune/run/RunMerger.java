package org.transprune.run;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.transprune.records.ResultsLog;
import org.transprune.records.RunLock;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;

/**
 * Combines the run directories of shards (or of any runs of the same experiment) into one: the
 * sample records of all of them, each unit once, then the summaries and predictions files that
 * an unsharded run would have written. Merging again after more shards finished adds only what
 * is new.
 */
public final class RunMerger {
    private RunMerger() {}

    /**
     * What a merge did.
     *
     * @param added sample records copied into the target
     * @param duplicates sample records skipped because the unit was already present
     * @param summaries summary records written
     * @param incomplete (configuration on benchmark) -> samples no input has
     */
    public record Result(int added, int duplicates, List<SummaryRecord> summaries, Map<String, Integer> incomplete) {}

    /**
     * Merges {@code inputs} into {@code target}.
     *
     * @param experiment the experiment file, or null to take it from the first input's plan.json
     */
    public static Result merge(List<Path> inputs, Path target, Path experiment, PrintStream out) throws IOException {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("give the run directories to merge");
        }
        Path file = experiment != null ? experiment : RunDirectory.experimentOf(inputs.get(0));
        for (Path in : inputs.subList(1, inputs.size())) {
            if (experiment == null && !RunDirectory.experimentOf(in).equals(file)) {
                throw new IllegalArgumentException(in + " was made from " + RunDirectory.experimentOf(in) + ", not "
                        + file + "; merge runs of one experiment (or pass --experiment)");
            }
        }
        // Dry-run mode: merging needs the questions and answer keys, not the checkpoint.
        SweepPlan plan =
                ExperimentParser.parse(file, ExperimentParser.Mode.DRY_RUN).withOutput(target);
        // Records keyed by another version's hashes would be dropped as unknown: refuse them first.
        StaleHashes.check(plan, target);
        for (Path in : inputs) {
            StaleHashes.check(plan, in);
        }
        Set<String> known = new HashSet<>();
        plan.configurations().forEach(c -> known.add(c.hash()));
        List<LoadedBenchmark> loaded = new ArrayList<>();
        for (BenchmarkSpec spec : plan.benchmarks()) {
            loaded.add(LoadedBenchmark.load(spec));
        }
        int added = 0;
        int duplicates = 0;
        try (RunLock lock = RunLock.acquire(target);
                ResultsLog log = ResultsLog.open(target)) {
            log.repairs().forEach(out::println);
            RunDirectory.writePlan(target, plan, Shard.ALL);
            Set<String> present = new HashSet<>();
            log.records().stream()
                    .filter(r -> r instanceof SampleRecord)
                    .forEach(r -> present.add(((SampleRecord) r).unitKey()));
            for (Path in : inputs) {
                if (in.toAbsolutePath()
                        .normalize()
                        .equals(target.toAbsolutePath().normalize())) {
                    continue;
                }
                for (RunRecord rec : ResultsLog.read(in)) {
                    if (!(rec instanceof SampleRecord r)) {
                        continue; // summaries are recomputed over the merged records
                    }
                    if (!known.contains(r.config())) {
                        throw new IllegalArgumentException(in + " has records of configuration " + r.config()
                                + ", which " + file + " no longer defines");
                    }
                    if (present.add(r.unitKey())) {
                        log.append(r);
                        added++;
                    } else {
                        duplicates++;
                    }
                }
            }
            RunCompletion completion = new RunCompletion(
                    plan,
                    RunCompletion.byLabel(loaded),
                    log,
                    target,
                    Provenance.current(plan.model().device()));
            List<SummaryRecord> summaries = completion.finishAll();
            Map<String, Integer> incomplete = completion.incomplete();
            out.printf(
                    Locale.ROOT,
                    "merged %d input(s) into %s: %d records added, %d already present, %d summaries%n",
                    inputs.size(),
                    target,
                    added,
                    duplicates,
                    summaries.size());
            incomplete.forEach((k, v) -> out.printf(Locale.ROOT, "incomplete: %s (%d samples missing)%n", k, v));
            return new Result(added, duplicates, summaries, incomplete);
        }
    }
}
