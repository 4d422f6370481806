package org.transprune.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.transprune.bench.GroundTruthRegions;
import org.transprune.bench.IssueLog;
import org.transprune.bench.PerSampleScoring;
import org.transprune.bench.QuestionFiles;
import org.transprune.bench.Sample;

/**
 * A benchmark's questions read once for the whole run (the first {@code limit} of the file), with
 * what judges single answers when the benchmark allows it.
 *
 * @param spec the experiment's entry
 * @param samples the questions, in file order
 * @param log data problems met while reading (skipped items)
 * @param judge per-sample scoring, or null
 * @param regions the questions' ground-truth regions when the benchmark offers them ({@link GroundTruthRegions}), else
 *     null
 */
public record LoadedBenchmark(
        BenchmarkSpec spec,
        List<Sample> samples,
        IssueLog log,
        PerSampleScoring.Judge judge,
        GroundTruthRegions.Regions regions) {

    /**
     * Reads the questions (checking lines, images and keys, see {@link QuestionFiles}) and the
     * answer key.
     */
    public static LoadedBenchmark load(BenchmarkSpec spec) throws IOException {
        IssueLog log = new IssueLog(spec.onError());
        // Checked as a whole (lines, images, repeated keys, empty file) before any run output exists.
        List<Sample> all = QuestionFiles.read(spec.benchmark(), spec.questions(), spec.images(), log);
        List<Sample> samples = spec.limit() == null || spec.limit() >= all.size()
                ? List.copyOf(all)
                : List.copyOf(all.subList(0, spec.limit()));
        PerSampleScoring.Judge judge = null;
        if (spec.benchmark() instanceof PerSampleScoring p && spec.annotations() != null) {
            judge = p.judge(spec.annotations());
        }
        GroundTruthRegions.Regions regions = null;
        if (spec.benchmark() instanceof GroundTruthRegions g && spec.annotations() != null) {
            regions = g.regions(spec.annotations());
        }
        return new LoadedBenchmark(spec, samples, log, judge, regions);
    }

    public String label() {
        return spec.label();
    }

    /** Where the benchmark's answers of a configuration go. */
    public Path annotations() {
        return spec.annotations();
    }
}
