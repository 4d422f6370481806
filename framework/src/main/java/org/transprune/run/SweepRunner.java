package org.transprune.run;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.transprune.bench.DataIssue;
import org.transprune.bench.GroundTruthRegions;
import org.transprune.bench.ImageLoader;
import org.transprune.bench.OnError;
import org.transprune.bench.Sample;
import org.transprune.cost.CostReport;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.Images;
import org.transprune.model.EngineSettings;
import org.transprune.pipeline.AnsweringPipeline;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.records.AnyResLayout;
import org.transprune.records.Records;
import org.transprune.records.ResultsLog;
import org.transprune.records.RunLock;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;
import org.transprune.text.PromptTooLongException;

/**
 * Runs a {@link SweepPlan}: loads the model once, then for every configuration and benchmark
 * answers each sample of its shard that has no record yet, appending one record per sample, and
 * summarises each (configuration, benchmark) when its last sample is recorded.
 *
 * <p>Because a sample's record is appended (and forced to disk) only after the sample is
 * answered, and a restart skips exactly the samples with records, a run killed at any point and
 * restarted ends with the records an uninterrupted run writes.
 */
public final class SweepRunner {

    /**
     * How to run.
     *
     * @param shard the part of the work to run ({@link Shard#ALL} for everything)
     * @param progressBar draw a progress bar (else plain progress lines)
     * @param out where progress lines and per-configuration summaries go
     * @param progressInterval time between plain progress lines
     */
    public record Options(Shard shard, boolean progressBar, PrintStream out, Duration progressInterval) {
        public static Options quiet(PrintStream out) {
            return new Options(Shard.ALL, false, out, Duration.ofSeconds(30));
        }
    }

    /**
     * What a run did.
     *
     * @param directory the run directory
     * @param answered samples answered by this process
     * @param alreadyDone samples of this shard skipped because a record existed
     * @param summaries summary records written by this process
     * @param incomplete (configuration on benchmark) -> samples still missing (other shards' work)
     */
    public record Result(
            Path directory,
            int answered,
            int alreadyDone,
            List<SummaryRecord> summaries,
            Map<String, Integer> incomplete) {}

    private SweepRunner() {}

    /** The directory a shard of {@code plan} writes to: the plan's output, or {@code shards/shard-k-of-N} in it. */
    public static Path directory(SweepPlan plan, Shard shard) {
        return shard.isAll() ? plan.output() : plan.output().resolve("shards").resolve(shard.directoryName());
    }

    /**
     * Runs the plan's work for {@code options.shard()}: reads and checks the benchmarks (nothing is written when they
     * are unusable), then takes the run directory's {@link RunLock} and holds it while the work runs.
     */
    public static Result run(SweepPlan plan, Options options) throws IOException {
        List<LoadedBenchmark> loaded = load(plan, options);
        try (RunLock lock = RunLock.acquire(directory(plan, options.shard()))) {
            return run(plan, options, loaded, lock);
        }
    }

    /**
     * Reads the plan's benchmarks, checking them as a whole before any run output exists, and prints what
     * {@code on_error: skip} leaves out.
     */
    public static List<LoadedBenchmark> load(SweepPlan plan, Options options) throws IOException {
        if (plan.model().path() == null) {
            throw new IllegalArgumentException(
                    "the experiment's model has no checkpoint path; only --dry-run works" + " with a preset alone");
        }
        List<LoadedBenchmark> loaded = new ArrayList<>();
        for (BenchmarkSpec spec : plan.benchmarks()) {
            LoadedBenchmark b = LoadedBenchmark.load(spec);
            for (DataIssue issue : b.log().issues()) {
                options.out().println("skipped (on_error: skip): " + issue);
            }
            loaded.add(b);
        }
        return loaded;
    }

    /**
     * Runs the plan's work for {@code options.shard()} on benchmarks already {@link #load loaded}, in a directory whose
     * lock the caller holds (e.g. to write the report under the same lock).
     */
    public static Result run(SweepPlan plan, Options options, List<LoadedBenchmark> loaded, RunLock lock)
            throws IOException {
        Path dir = directory(plan, options.shard());
        if (!lock.file().getParent().equals(dir.toRealPath())) {
            throw new IllegalArgumentException("the lock held is " + lock.file() + ", not the lock of " + dir);
        }
        Map<String, LoadedBenchmark> benches = RunCompletion.byLabel(loaded);
        AnyResRules anyRes = plan.model().effectiveAnyRes();
        Provenance provenance =
                Provenance.current(plan.model().device()).withAnyRes(anyRes == null ? null : anyRes.key());
        try (ResultsLog log = ResultsLog.open(dir)) {
            log.repairs().forEach(options.out()::println);
            RunDirectory.writePlan(dir, plan, options.shard());
            RunCompletion completion = new RunCompletion(plan, benches, log, dir, provenance);
            Set<String> done = new HashSet<>();
            log.records().stream()
                    .filter(r -> r instanceof SampleRecord)
                    .forEach(r -> done.add(((SampleRecord) r).unitKey()));

            long total = 0;
            int alreadyDone = 0;
            long[] perConfig = new long[plan.configurations().size()];
            for (int i = 0; i < perConfig.length; i++) {
                String hash = plan.configurations().get(i).hash();
                for (LoadedBenchmark b : loaded) {
                    for (Sample s : b.samples()) {
                        if (options.shard().owns(hash, b.label(), s.key())) {
                            if (done.contains(Records.unitKey(hash, b.label(), s.key()))) {
                                alreadyDone++;
                            } else {
                                perConfig[i]++;
                            }
                        }
                    }
                }
                total += perConfig[i];
            }
            List<SummaryRecord> summaries = new ArrayList<>(completion.finishAll());
            if (alreadyDone > 0) {
                options.out()
                        .printf(
                                Locale.ROOT,
                                "resuming %s: %d samples already recorded, %d to run%n",
                                dir,
                                alreadyDone,
                                total);
            }
            int answered = 0;
            if (total > 0) {
                EngineSettings.configure(plan.model().threads());
                try (AnsweringPipeline pipeline = AnsweringPipeline.open(
                                plan.model().path(),
                                plan.model().pipelineOptions(),
                                plan.model().maxPixels());
                        SweepProgress progress =
                                new SweepProgress(options.out(), options.progressBar(), options.progressInterval())) {
                    options.out()
                            .println("model: " + String.join("; ", pipeline.describe())
                                    + String.format(Locale.ROOT, " (loaded in %.1f s)", pipeline.loadNanos() / 1e9));
                    progress.start(total);
                    for (int i = 0; i < perConfig.length; i++) {
                        RunConfiguration config = plan.configurations().get(i);
                        if (perConfig[i] == 0) {
                            continue;
                        }
                        PruningStrategy strategy = config.pruningStrategy();
                        progress.startConfiguration(config.describe(), perConfig[i]);
                        List<SummaryRecord> finished = new ArrayList<>();
                        for (LoadedBenchmark b : loaded) {
                            for (Sample s : b.samples()) {
                                if (!options.shard().owns(config.hash(), b.label(), s.key())
                                        || done.contains(Records.unitKey(config.hash(), b.label(), s.key()))) {
                                    continue;
                                }
                                log.append(answer(pipeline, strategy, config, b, s, provenance));
                                answered++;
                                progress.step();
                            }
                            SummaryRecord summary = completion.finish(config, b);
                            if (summary != null) {
                                finished.add(summary);
                            }
                        }
                        summaries.addAll(finished);
                        if (!finished.isEmpty()) {
                            progress.println(summaryLine(config, finished));
                        }
                    }
                }
            }
            // A summary may wait for its unpruned reference; everything complete is summarised now.
            summaries.addAll(completion.finishAll());
            return new Result(dir, answered, alreadyDone, summaries, completion.incomplete());
        }
    }

    /** Answers one sample and builds its record. */
    static SampleRecord answer(
            AnsweringPipeline pipeline,
            PruningStrategy strategy,
            RunConfiguration config,
            LoadedBenchmark bench,
            Sample sample,
            Provenance provenance) {
        Instant start = Instant.now();
        int issuesBefore = bench.log().issues().size();
        String imageKey = sample.image() == null ? null : sample.image().describe();
        boolean cached = pipeline.hasCachedImage(imageKey, strategy);
        Optional<BufferedImage> image = cached ? Optional.empty() : ImageLoader.load(sample, bench.log());
        if (sample.image() != null && !cached && image.isEmpty()) {
            return skipped(
                    config,
                    bench,
                    sample,
                    bench.log().issues().get(issuesBefore).message(),
                    provenance,
                    start);
        }
        LlavaPipeline.Answer a;
        try {
            a = pipeline.answer(
                    sample.prompt(),
                    imageKey,
                    () -> image.map(Images::toRgb).orElse(null),
                    strategy,
                    requestSeed(config, bench.label(), sample.key()),
                    config.maxNewTokens());
        } catch (PromptTooLongException e) {
            if (bench.spec().onError() == OnError.FAIL) {
                throw new IllegalArgumentException(
                        sample.where() + ": " + e.getMessage() + " (on_error: skip leaves such questions out)", e);
            }
            return skipped(config, bench, sample, e.getMessage(), provenance, start);
        }
        Boolean correct = bench.judge() == null ? null : bench.judge().correct(sample, a.text());
        StrategyRun run = a.run();
        List<StrategyRun.StageRecord> stages = run == null ? List.of() : run.stages();
        // What every stage kept, on every benchmark: the positional-bias table and figure need it
        // (docs/method.md#positional-bias); null when nothing was pruned.
        List<int[]> keptPerStage = stages.isEmpty()
                ? null
                : stages.stream().map(StrategyRun.StageRecord::keptPatches).toList();
        int[] relevant = null;
        List<Double> recall = null;
        if (bench.regions() != null) {
            // The benchmark knows where each answer is: record how much of it every stage kept.
            if (keptPerStage == null) {
                keptPerStage = List.of();
            }
            GroundTruthRegions.Region region = bench.regions().of(sample);
            if (region != null && a.prompt().imageLength() > 0) {
                relevant = pipeline.variableImageTokens()
                        ? RelevantTokens.of(region, a.origins())
                        : region.relevantPatches(pipeline.gridSize());
                recall = RunRecords.list(GroundTruthRegions.selectionRecall(relevant, keptPerStage));
            }
        }
        SampleRecord record = new SampleRecord(
                SampleRecord.TYPE,
                config.hash(),
                bench.label(),
                sample.key(),
                sample.questionId(),
                config.strategy(),
                sample.category(),
                null,
                a.text(),
                correct,
                a.prompt().length(),
                a.prompt().imageLength(),
                a.generation().tokens().length,
                a.generation().prefill().tokensPerLayer(),
                a.generation().kvCacheTokens(),
                stages.stream().mapToInt(StrategyRun.StageRecord::afterLayer).toArray(),
                keptPerStage,
                relevant,
                recall,
                a.imageNanos() / 1e6,
                cached,
                a.prefillMillis(),
                run == null ? 0.0 : run.scoringNanos() / 1e6,
                a.decodeMillis(),
                provenance.forRecord(config.hash(), config.seed(), RunRecords.code(config), start, Instant.now()));
        record = withOwnCost(record, run, pipeline);
        AnyResPlan plan = a.plan();
        if (keptPerStage != null && plan != null) {
            // reports place the kept tokens of a LLaVA-NeXT image through its plan
            record = record.withAnyResLayout(new AnyResLayout(
                    plan.rules().key(),
                    plan.imageWidth(),
                    plan.imageHeight(),
                    plan.tileSize(),
                    plan.patchGrid(),
                    plan.bestWidth(),
                    plan.bestHeight(),
                    plan.resizedWidth(),
                    plan.resizedHeight(),
                    plan.tileRows(),
                    plan.tileCols(),
                    plan.firstRow(),
                    plan.firstColumn(),
                    plan.rows(),
                    plan.columns(),
                    plan.newline()));
        }
        return record;
    }

    /** The record with the theoretical cost of its own prefill: its N under its schedule (none without an image). */
    private static SampleRecord withOwnCost(SampleRecord record, StrategyRun run, AnsweringPipeline pipeline) {
        int n = record.imageTokens();
        if (n == 0) {
            return record;
        }
        CostReport cost =
                ConfigurationCost.ofSample(run == null ? PruneSchedule.unpruned(n) : run.schedule(), pipeline.text());
        return record.withCost(cost.tflops(), cost.flopsRatio(), cost.averageRetainedTokens(), cost.kvCacheMiB());
    }

    private static SampleRecord skipped(
            RunConfiguration config,
            LoadedBenchmark bench,
            Sample sample,
            String why,
            Provenance provenance,
            Instant start) {
        return SampleRecord.skipped(
                config.hash(),
                bench.label(),
                sample.key(),
                sample.questionId(),
                config.strategy(),
                sample.category(),
                why,
                provenance.forRecord(config.hash(), config.seed(), RunRecords.code(config), start, Instant.now()));
    }

    /** The request's seed: the configuration's seed mixed with the sample's identity. */
    static long requestSeed(RunConfiguration config, String benchmark, String sampleKey) {
        String hex = RunConfiguration.sha256Hex(config.seed() + "\u0000" + benchmark + "\u0000" + sampleKey);
        return Long.parseUnsignedLong(hex.substring(0, 16), 16);
    }

    /** e.g. {@code done transprune alpha=0.5 seed=0 | gqa accuracy 61.20 (n=100) | prefill 812.3 ms | 1.57 TFLOPs}. */
    static String summaryLine(RunConfiguration config, List<SummaryRecord> summaries) {
        StringBuilder sb = new StringBuilder("done ").append(config.describe());
        for (SummaryRecord s : summaries) {
            sb.append(String.format(
                    Locale.ROOT,
                    " | %s %s %s (n=%d)",
                    s.benchmark(),
                    s.headline(),
                    format(s.headlineValue()),
                    s.samples()));
        }
        Double prefill = summaries.get(0).prefillMsMean();
        sb.append(String.format(Locale.ROOT, " | prefill %s ms", format(prefill == null ? Double.NaN : prefill)));
        if (config.cost() != null) {
            sb.append(String.format(Locale.ROOT, " | %.3g TFLOPs", config.cost().tflops()));
        }
        return sb.toString();
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }

    /** Sets libtorch's thread count; it only takes effect before the engine starts. */
}
