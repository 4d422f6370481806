package org.transprune.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.bench.JsonLines;
import org.transprune.bench.Sample;
import org.transprune.records.ResultsLog;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;

/**
 * What happens when work is complete: a summary record for each (configuration, benchmark) whose
 * samples are all recorded and that has none yet, and its predictions file rebuilt from the
 * records. Shared by the runner and by {@code merge}, so both produce identical summaries.
 */
public final class RunCompletion {
    private final SweepPlan plan;
    private final Map<String, LoadedBenchmark> benchmarks;
    private final ResultsLog log;
    private final Path dir;
    private final Provenance provenance;

    public RunCompletion(
            SweepPlan plan, Map<String, LoadedBenchmark> benchmarks, ResultsLog log, Path dir, Provenance provenance) {
        this.plan = plan;
        this.benchmarks = benchmarks;
        this.log = log;
        this.dir = dir;
        this.provenance = provenance;
    }

    /** The sample records of {@code config} on {@code benchmark}, by sample key. */
    public Map<String, SampleRecord> samples(String config, String benchmark) {
        Map<String, SampleRecord> out = new LinkedHashMap<>();
        for (RunRecord r : log.records()) {
            if (r instanceof SampleRecord s
                    && s.config().equals(config)
                    && s.benchmark().equals(benchmark)) {
                out.putIfAbsent(s.sample(), s);
            }
        }
        return out;
    }

    /** Whether every sample of the benchmark has a record for {@code config}. */
    public boolean complete(RunConfiguration config, LoadedBenchmark bench) {
        Map<String, SampleRecord> done = samples(config.hash(), bench.label());
        return bench.samples().stream().allMatch(s -> done.containsKey(s.key()));
    }

    /** Whether a summary of (config, benchmark) is already recorded. */
    public boolean summarized(String config, String benchmark) {
        return log.records().stream()
                .anyMatch(r -> r instanceof SummaryRecord
                        && r.config().equals(config)
                        && r.benchmark().equals(benchmark));
    }

    /**
     * Appends the summary of {@code config} on {@code bench} if it is complete and not yet
     * summarised, and rewrites its predictions file; returns the summary written, or null.
     */
    public SummaryRecord finish(RunConfiguration config, LoadedBenchmark bench) throws IOException {
        if (!complete(config, bench)) {
            return null;
        }
        writePredictions(config, bench);
        if (summarized(config.hash(), bench.label())) {
            return null;
        }
        RunConfiguration ref = reference(config);
        List<SampleRecord> refRecords = null;
        if (ref != null) {
            if (!complete(ref, bench)) {
                // The reference is ordered first; when it is incomplete (another shard's work) merge summarises later.
                return null;
            }
            refRecords = ordered(ref, bench);
        }
        SummaryRecord summary = ConfigurationSummary.build(
                config, bench, ordered(config, bench), refRecords, ref == null ? null : ref.hash(), provenance);
        log.append(summary);
        return summary;
    }

    /** The unpruned configuration with the same seed and generation limit, or null (also for itself). */
    public RunConfiguration reference(RunConfiguration config) {
        if (config.unpruned()) {
            return null;
        }
        for (RunConfiguration c : plan.configurations()) {
            if (c.unpruned() && c.seed() == config.seed() && c.maxNewTokens() == config.maxNewTokens()) {
                return c;
            }
        }
        return null;
    }

    private List<SampleRecord> ordered(RunConfiguration config, LoadedBenchmark bench) {
        Map<String, SampleRecord> done = samples(config.hash(), bench.label());
        List<SampleRecord> out = new ArrayList<>();
        for (Sample s : bench.samples()) {
            out.add(done.get(s.key()));
        }
        return out;
    }

    /** Rewrites the predictions file of (config, benchmark) from its records, in question order. */
    public void writePredictions(RunConfiguration config, LoadedBenchmark bench) throws IOException {
        Map<String, SampleRecord> done = samples(config.hash(), bench.label());
        StringBuilder sb = new StringBuilder();
        Set<String> written = new HashSet<>();
        for (Sample s : bench.samples()) {
            SampleRecord r = done.get(s.key());
            if (r == null || r.wasSkipped() || !written.add(s.key())) {
                continue;
            }
            ObjectNode line = JsonLines.MAPPER.createObjectNode();
            line.set("question_id", s.questionId());
            line.put("prompt", s.answerPrompt());
            line.put("text", r.answer());
            // Deterministic, unlike LLaVA's random shortuuid, so reruns and merges write identical files.
            line.put(
                    "answer_id",
                    RunConfiguration.sha256Hex(config.hash() + "/" + s.key()).substring(0, 22));
            line.put("model_id", config.label());
            ObjectNode meta = line.putObject("metadata");
            meta.put("config", config.hash());
            sb.append(JsonLines.MAPPER.writeValueAsString(line)).append('\n');
        }
        RunDirectory.writeAtomically(RunDirectory.predictionsFile(dir, config, bench.label()), sb.toString());
    }

    /** Summaries and predictions for everything complete; returns the summaries written. */
    public List<SummaryRecord> finishAll() throws IOException {
        List<SummaryRecord> out = new ArrayList<>();
        for (RunConfiguration c : plan.configurations()) {
            for (LoadedBenchmark b : benchmarks.values()) {
                SummaryRecord s = finish(c, b);
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** (configuration, benchmark) pairs that still miss samples, with the count missing. */
    public Map<String, Integer> incomplete() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (RunConfiguration c : plan.configurations()) {
            for (LoadedBenchmark b : benchmarks.values()) {
                Map<String, SampleRecord> done = samples(c.hash(), b.label());
                long missing = b.samples().stream()
                        .filter(s -> !done.containsKey(s.key()))
                        .count();
                if (missing > 0) {
                    out.put(c.describe() + " on " + b.label(), (int) missing);
                }
            }
        }
        return out;
    }

    /** Benchmarks by label (insertion order of the plan). */
    public static Map<String, LoadedBenchmark> byLabel(List<LoadedBenchmark> list) {
        Map<String, LoadedBenchmark> m = new LinkedHashMap<>();
        list.forEach(b -> m.put(b.label(), b));
        return m;
    }
}
