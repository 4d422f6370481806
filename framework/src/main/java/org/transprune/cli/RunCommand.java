package org.transprune.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.transprune.cost.TokenBudget;
import org.transprune.records.RunLock;
import org.transprune.records.SolvedBudget;
import org.transprune.report.RunReport;
import org.transprune.report.TableWriters;
import org.transprune.run.ExperimentException;
import org.transprune.run.ExperimentParser;
import org.transprune.run.ExperimentProblem;
import org.transprune.run.LoadedBenchmark;
import org.transprune.run.RunConfiguration;
import org.transprune.run.Shard;
import org.transprune.run.StaleHashes;
import org.transprune.run.SweepPlan;
import org.transprune.run.SweepRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transprune run FILE}: validates an experiment file and runs (or resumes) its sweep. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the sweep an experiment file describes; re-running resumes, skipping every (configuration, sample)"
                    + " already recorded.",
            "The file is validated first and every problem reported with its file, line and key.",
            "When the whole sweep has run (not a --shard), writes the report of `transprune table` into OUT/report and"
                    + " prints its main tables, unless --no-report.",
        })
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "experiment YAML file")
    Path file;

    @Option(
            names = "--dry-run",
            description = "print the expanded configurations with their theoretical TFLOPs and exit")
    boolean dryRun;

    @Option(
            names = "--shard",
            paramLabel = "k/N",
            description = "run only shard k (0-based) of N; output goes to OUT/shards/shard-k-of-N (see merge, slurm)")
    String shard;

    @Option(names = "--out", paramLabel = "DIR", description = "run directory (default: the file's output:)")
    Path out;

    @Option(
            names = "--no-progress",
            description = "no progress bar: plain progress lines (default when not on a terminal)")
    boolean noProgress;

    @Option(
            names = "--progress-every",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "seconds between plain progress lines (default: ${DEFAULT-VALUE})")
    long progressEvery;

    @Option(names = "--no-report", description = "do not write OUT/report when the sweep completes")
    boolean noReport;

    @Override
    public Integer call() throws Exception {
        Shard part;
        try {
            part = shard == null ? Shard.ALL : Shard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        SweepPlan plan;
        try {
            plan = ExperimentParser.parse(file, dryRun ? ExperimentParser.Mode.DRY_RUN : ExperimentParser.Mode.RUN);
        } catch (ExperimentException e) {
            throw new UserError(e.getMessage());
        }
        if (out != null) {
            plan = plan.withOutput(out.toAbsolutePath().normalize());
        }
        PrintStream o = System.out;
        for (ExperimentProblem w : plan.warnings()) {
            System.err.println("warning: " + w);
        }
        if (dryRun) {
            printPlan(o, plan);
            return 0;
        }
        StaleHashes.check(plan, SweepRunner.directory(plan, part));
        plan.preparation().prepare(o);
        boolean bar = !noProgress && System.console() != null;
        SweepRunner.Options options =
                new SweepRunner.Options(part, bar, o, Duration.ofSeconds(Math.max(1, progressEvery)));
        // The questions are checked before anything is written; then one writer per run directory, from its first
        // byte until the report is written.
        List<LoadedBenchmark> loaded = SweepRunner.load(plan, options);
        try (RunLock lock = lock(SweepRunner.directory(plan, part))) {
            return runLocked(plan, options, loaded, lock);
        }
    }

    /** Takes the run directory's lock, or fails with one line naming the directory and its holder. */
    static RunLock lock(Path dir) throws IOException {
        try {
            return RunLock.acquire(dir);
        } catch (RunLock.RunLockedException e) {
            throw new UserError(e.getMessage());
        }
    }

    private int runLocked(SweepPlan plan, SweepRunner.Options options, List<LoadedBenchmark> loaded, RunLock lock)
            throws IOException {
        Shard part = options.shard();
        PrintStream o = options.out();
        SweepRunner.Result r = SweepRunner.run(plan, options, loaded, lock);
        o.printf(
                Locale.ROOT,
                "%s: %d samples answered, %d already recorded, %d summaries written%n",
                r.directory(),
                r.answered(),
                r.alreadyDone(),
                r.summaries().size());
        if (!part.isAll()) {
            o.println("shard " + part + " done; combine the shards with: transprune merge --out " + plan.output() + " "
                    + plan.output().resolve("shards") + "/shard-*-of-" + part.count());
        } else if (!noReport) {
            report(o, r.directory(), plan);
        }
        return 0;
    }

    /**
     * Writes the run's report; a run whose results are safely recorded does not fail over its
     * report, which {@code transprune table} can write again.
     */
    static void report(PrintStream o, Path dir, SweepPlan plan) {
        Path target = dir.resolve("report");
        try {
            Set<String> configs =
                    plan.configurations().stream().map(c -> c.hash()).collect(Collectors.toSet());
            RunReport.Written w = RunReport.write(
                    dir,
                    target,
                    new RunReport.Options(true, null, RunReport.DEFAULT_HEATMAP_SAMPLES, plan.benchmarks(), configs));
            w.warnings().forEach(m -> System.err.println("warning: " + m));
            o.println();
            o.print(w.mainMarkdown());
            o.println("report written to " + target + " (all tables: " + target.resolve("table.md") + ")");
        } catch (IOException | RuntimeException e) {
            String why =
                    e instanceof IOException || e instanceof IllegalArgumentException ? e.getMessage() : e.toString();
            System.err.println("warning: no report written (" + why + "); write it with: transprune table " + dir);
        }
    }

    static void printPlan(PrintStream o, SweepPlan plan) {
        o.printf(Locale.ROOT, "experiment %s (%s)%n", plan.name(), plan.source());
        o.printf(
                Locale.ROOT,
                "model: %s, %d layers, %d image tokens%n",
                plan.model().path() != null
                        ? plan.model().path()
                        : "preset " + plan.model().preset(),
                plan.model().config() == null ? 0 : plan.model().config().text().numLayers(),
                plan.model().imageTokens());
        plan.benchmarks()
                .forEach(b -> o.printf(
                        Locale.ROOT,
                        "benchmark %s: %s%s%n",
                        b.label(),
                        b.questions() == null ? "(question file unknown: data path not set)" : b.questions(),
                        b.limit() == null ? "" : " (first " + b.limit() + ")"));
        plan.preparation().pending().forEach(step -> o.printf(Locale.ROOT, "before the run: %s%n", step));
        o.printf(Locale.ROOT, "output: %s%n", plan.output());
        o.printf(Locale.ROOT, "%d configurations:%n", plan.configurations().size());
        o.printf(
                Locale.ROOT,
                "  %-12s %-48s %-30s %8s %8s %10s %9s%n",
                "hash",
                "configuration",
                "tokens per stage",
                "TFLOPs",
                "vs full",
                "tokens",
                "KV MiB");
        for (RunConfiguration c : plan.configurations()) {
            if (c.cost() == null) {
                o.printf(Locale.ROOT, "  %-12s %-48s (model shape unknown)%n", c.hash(), c.describe());
                continue;
            }
            String stages = String.join(
                    " -> ",
                    c.cost().schedule().stageTokenCounts().stream()
                            .map(String::valueOf)
                            .toList());
            o.printf(
                    Locale.ROOT,
                    "  %-12s %-48s %-30s %8s %7.1f%% %10.2f %9.1f%n",
                    c.hash(),
                    c.describe(),
                    stages,
                    tflops(c.cost().tflops()),
                    100 * c.cost().flopsRatio(),
                    TokenBudget.of(c.cost()),
                    c.cost().kvCacheMiB());
            if (c.budget() != null) {
                SolvedBudget b = c.budget();
                o.printf(
                        Locale.ROOT,
                        "  %-12s   budget %s %s: solved %s = %s, reaching %s (reachable %s..%s, on N = %d)%n",
                        "",
                        b.measure(),
                        number(b.target()),
                        b.parameter(),
                        c.parameters().get(b.parameter()),
                        number(b.achieved()),
                        number(b.reachable().get(0)),
                        number(b.reachable().get(1)),
                        b.imageTokens());
            }
        }
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    /** Two decimals as in the paper, or three significant digits for micro models (0.000148). */
    static String tflops(double t) {
        return TableWriters.tflops(t);
    }
}
