package org.transprune.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.transprune.bench.ImageLoader;
import org.transprune.bench.JsonLines;
import org.transprune.bench.OnError;
import org.transprune.bench.Sample;
import org.transprune.image.Images;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.synth.Question;
import org.transprune.synth.SynthBenchmark;
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
            List<ObjectNode> summaries,
            Map<String, Integer> incomplete) {}

    private SweepRunner() {}

    /** The directory a shard of {@code plan} writes to: the plan's output, or {@code shards/shard-k-of-N} in it. */
    public static Path directory(SweepPlan plan, Shard shard) {
        return shard.isAll() ? plan.output() : plan.output().resolve("shards").resolve(shard.directoryName());
    }

    public static Result run(SweepPlan plan, Options options) throws IOException {
        if (plan.model().path() == null) {
            throw new IllegalArgumentException(
                    "the experiment's model has no checkpoint path; only --dry-run works" + " with a preset alone");
        }
        Path dir = directory(plan, options.shard());
        List<LoadedBenchmark> loaded = new ArrayList<>();
        for (BenchmarkSpec spec : plan.benchmarks()) {
            LoadedBenchmark b = LoadedBenchmark.load(spec);
            for (DataIssue issue : b.log().issues()) {
                options.out().println("skipped (on_error: skip): " + issue);
            }
            loaded.add(b);
        }
        Map<String, LoadedBenchmark> benches = RunCompletion.byLabel(loaded);
        Provenance provenance = Provenance.current(plan.model().device());
        try (ResultsLog log = ResultsLog.open(dir)) {
            if (log.repairedBytes() > 0) {
                options.out()
                        .printf(
                                Locale.ROOT,
                                "repaired %s: removed a torn last line (%d bytes) left by an" + " interrupted run%n",
                                log.file(),
                                log.repairedBytes());
            }
            RunDirectory.writePlan(dir, plan, options.shard());
            RunCompletion completion = new RunCompletion(plan, benches, log, dir, provenance);
            Set<String> done = new HashSet<>();
            log.records().stream().filter(RunRecords::isSample).forEach(r -> done.add(RunRecords.unitKey(r)));

            long total = 0;
            int alreadyDone = 0;
            long[] perConfig = new long[plan.configurations().size()];
            for (int i = 0; i < perConfig.length; i++) {
                String hash = plan.configurations().get(i).hash();
                for (LoadedBenchmark b : loaded) {
                    for (Sample s : b.samples()) {
                        if (options.shard().owns(hash, b.label(), s.key())) {
                            if (done.contains(RunRecords.unitKey(hash, b.label(), s.key()))) {
                                alreadyDone++;
                            } else {
                                perConfig[i]++;
                            }
                        }
                    }
                }
                total += perConfig[i];
            }
            List<ObjectNode> summaries = new ArrayList<>(completion.finishAll());
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
                applyThreads(plan.model().threads());
                try (LlavaPipeline pipeline = LlavaPipeline.open(
                                plan.model().path(), plan.model().pipelineOptions());
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
                        List<ObjectNode> finished = new ArrayList<>();
                        for (LoadedBenchmark b : loaded) {
                            for (Sample s : b.samples()) {
                                if (!options.shard().owns(config.hash(), b.label(), s.key())
                                        || done.contains(RunRecords.unitKey(config.hash(), b.label(), s.key()))) {
                                    continue;
                                }
                                log.append(answer(pipeline, strategy, config, b, s, provenance));
                                answered++;
                                progress.step();
                            }
                            ObjectNode summary = completion.finish(config, b);
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
    static ObjectNode answer(
            LlavaPipeline pipeline,
            PruningStrategy strategy,
            RunConfiguration config,
            LoadedBenchmark bench,
            Sample sample,
            Provenance provenance) {
        Instant start = Instant.now();
        ObjectNode r = JsonLines.MAPPER.createObjectNode();
        r.put(RunRecords.TYPE, RunRecords.SAMPLE);
        r.put("config", config.hash());
        r.put("benchmark", bench.label());
        r.put("sample", sample.key());
        r.set("question_id", sample.questionId());
        r.put("strategy", config.strategy());
        r.put("category", sample.category());
        int issuesBefore = bench.log().issues().size();
        String imageKey = sample.image() == null ? null : sample.image().describe();
        boolean cached = pipeline.hasCachedImage(imageKey);
        Optional<BufferedImage> image = cached ? Optional.empty() : ImageLoader.load(sample, bench.log());
        if (sample.image() != null && !cached && image.isEmpty()) {
            r.put("skipped", bench.log().issues().get(issuesBefore).message());
            r.set("provenance", provenance.toJson(config.hash(), config.seed(), start, Instant.now()));
            return r;
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
            r.put("skipped", e.getMessage());
            r.set("provenance", provenance.toJson(config.hash(), config.seed(), start, Instant.now()));
            return r;
        }
        r.put("answer", a.text());
        if (bench.judge() != null) {
            Boolean ok = bench.judge().correct(sample, a.text());
            if (ok == null) {
                r.putNull("correct");
            } else {
                r.put("correct", ok);
            }
        } else {
            r.putNull("correct");
        }
        r.put("prompt_tokens", a.prompt().length());
        r.put("image_tokens", a.prompt().imageLength());
        r.put("generated_tokens", a.generation().tokens().length);
        r.set("tokens_per_layer", RunRecords.ints(a.generation().prefill().tokensPerLayer()));
        r.put("kv_cache_tokens", a.generation().kvCacheTokens());
        StrategyRun run = a.run();
        List<StrategyRun.StageRecord> stages = run == null ? List.of() : run.stages();
        r.set(
                "stage_layers",
                RunRecords.ints(stages.stream()
                        .mapToInt(StrategyRun.StageRecord::afterLayer)
                        .toArray()));
        if (bench.synthKey() != null) {
            Question q = bench.synthKey().get(sample.key());
            ArrayNode kept = r.putArray("kept_patches");
            List<int[]> keptPerStage = new ArrayList<>();
            for (StrategyRun.StageRecord st : stages) {
                kept.add(RunRecords.ints(st.keptPatches()));
                keptPerStage.add(st.keptPatches());
            }
            if (q != null && a.prompt().imageLength() > 0) {
                int grid = pipeline.model().config().vision().gridSize();
                int[] relevant = q.relevantPatches(grid);
                r.set("relevant_patches", RunRecords.ints(relevant));
                r.set("recall", RunRecords.numbers(SynthBenchmark.selectionRecall(relevant, keptPerStage)));
            }
        }
        r.put("image_ms", a.imageNanos() / 1e6);
        r.put("image_cached", cached);
        r.put("prefill_ms", a.prefillMillis());
        r.put("scoring_ms", run == null ? 0.0 : run.scoringNanos() / 1e6);
        r.put("decode_ms", a.decodeMillis());
        r.set("provenance", provenance.toJson(config.hash(), config.seed(), start, Instant.now()));
        return r;
    }

    /** The request's seed: the configuration's seed mixed with the sample's identity. */
    static long requestSeed(RunConfiguration config, String benchmark, String sampleKey) {
        String hex = RunConfiguration.sha256Hex(config.seed() + "\u0000" + benchmark + "\u0000" + sampleKey);
        return Long.parseUnsignedLong(hex.substring(0, 16), 16);
    }

    /** e.g. {@code done transprune alpha=0.5 seed=0 | gqa accuracy 61.20 (n=100) | prefill 812.3 ms | 1.57 TFLOPs}. */
    static String summaryLine(RunConfiguration config, List<ObjectNode> summaries) {
        StringBuilder sb = new StringBuilder("done ").append(config.describe());
        for (ObjectNode s : summaries) {
            String headline = s.path("headline").asText();
            sb.append(String.format(
                    Locale.ROOT,
                    " | %s %s %s (n=%d)",
                    s.path("benchmark").asText(),
                    headline,
                    format(s.path("metrics").path(headline).asDouble(Double.NaN)),
                    s.path("samples").asInt()));
        }
        sb.append(String.format(
                Locale.ROOT,
                " | prefill %s ms",
                format(summaries.get(0).path("prefill_ms_mean").asDouble(Double.NaN))));
        if (config.cost() != null) {
            sb.append(String.format(Locale.ROOT, " | %.3g TFLOPs", config.cost().tflops()));
        }
        return sb.toString();
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }

    /** Sets libtorch's thread count; it only takes effect before the engine starts. */
    private static void applyThreads(Integer threads) {
        org.transprune.model.EngineSettings.configure(threads);
    }
}
