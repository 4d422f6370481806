package org.transprune.run;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.OnError;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;
import org.transprune.cost.CostReport;
import org.transprune.records.RecordProvenance;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;

/**
 * Builds the summary record of one configuration on one benchmark from its sample records alone,
 * so a resumed run, a merge of shards and an uninterrupted run produce the same summary.
 */
public final class ConfigurationSummary {
    private ConfigurationSummary() {}

    /**
     * The summary record.
     *
     * @param records the configuration's sample records on this benchmark (one per sample)
     * @param reference the sample records of the unpruned configuration with the same seed and
     *     generation limit on this benchmark, or null when there is none (or this is it)
     * @param referenceHash that configuration's hash, or null
     */
    public static SummaryRecord build(
            RunConfiguration config,
            LoadedBenchmark bench,
            List<SampleRecord> records,
            List<SampleRecord> reference,
            String referenceHash,
            Provenance provenance) {
        Map<String, Sample> byKey = new HashMap<>();
        bench.samples().forEach(x -> byKey.put(x.key(), x));
        List<Answer> answers = new ArrayList<>();
        int skipped = 0;
        int judged = 0;
        int correct = 0;
        List<Double> prefill = new ArrayList<>();
        Instant start = null;
        Instant end = null;
        Map<String, double[]> recallSum = new TreeMap<>();
        Map<String, int[]> recallCount = new TreeMap<>();
        List<SampleRecord> own = new ArrayList<>(); // answered samples with an image, for per-sample figures
        for (SampleRecord r : records) {
            if (r.provenance() != null) {
                start = earliest(start, r.provenance().startedAt());
                end = latest(end, r.provenance().endedAt());
            }
            if (r.wasSkipped()) {
                skipped++;
                continue;
            }
            Sample sample = byKey.get(r.sample());
            if (sample != null) {
                answers.add(Answer.of(sample, r.answer() == null ? "" : r.answer(), config.label()));
            }
            if (r.correct() != null) {
                judged++;
                correct += r.correct() ? 1 : 0;
            }
            if (r.prefillMs() != null) {
                prefill.add(r.prefillMs());
            }
            if (r.imageTokens() != null && r.imageTokens() > 0) {
                own.add(r);
            }
            List<Double> recall = r.recall();
            if (recall != null) {
                List<String> groups = r.category() != null ? List.of("all", r.category()) : List.of("all");
                for (String cat : groups) {
                    double[] sum = recallSum.computeIfAbsent(cat, k -> new double[recall.size()]);
                    int[] cnt = recallCount.computeIfAbsent(cat, k -> new int[recall.size()]);
                    for (int i = 0; i < Math.min(sum.length, recall.size()); i++) {
                        if (Double.isFinite(recall.get(i))) {
                            sum[i] += recall.get(i);
                            cnt[i]++;
                        }
                    }
                }
            }
        }
        // Scored leniently: a data problem found while scoring is listed, not fatal, so the
        // summary of hours of work is always written.
        IssueLog log = new IssueLog(OnError.SKIP);
        String headline;
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<String> notes = null;
        String scoreError = null;
        try {
            Score score = bench.spec().benchmark().score(bench.samples(), answers, bench.annotations(), log);
            headline = score.headline();
            metrics.putAll(score.metrics());
            notes = score.notes().isEmpty() ? null : score.notes();
        } catch (Exception e) {
            headline = bench.spec().benchmark().headlineMetric();
            scoreError = String.valueOf(e.getMessage());
        }
        double[] p = prefill.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, List<Double>> recall = null;
        if (!recallSum.isEmpty()) {
            recall = new LinkedHashMap<>();
            for (Map.Entry<String, double[]> e : recallSum.entrySet()) {
                double[] sum = e.getValue();
                int[] cnt = recallCount.get(e.getKey());
                List<Double> mean = new ArrayList<>();
                for (int i = 0; i < sum.length; i++) {
                    mean.add(cnt[i] == 0 ? Double.NaN : sum[i] / cnt[i]);
                }
                recall.put(e.getKey(), mean);
            }
        }
        // The summary describes where its samples ran (a merge may run elsewhere), so it takes the
        // code, library and machine fields from the records when there are any.
        RecordProvenance prov = provenance.forRecord(config.hash(), config.seed(), RunRecords.code(config), start, end);
        if (!records.isEmpty() && records.get(0).provenance() != null) {
            RecordProvenance first = records.get(0).provenance();
            prov = new RecordProvenance(
                    prov.configHash(),
                    prov.seed(),
                    first.projectVersion(),
                    first.gitCommit(),
                    first.djl(),
                    first.pytorch(),
                    first.device(),
                    first.host(),
                    prov.startedAt(),
                    prov.endedAt(),
                    prov.code(),
                    first.anyres());
        }
        CostReport cost = config.cost();
        Double tflops = cost == null ? null : cost.tflops();
        Double flopsRatio = cost == null ? null : cost.flopsRatio();
        Double retained = cost == null ? null : cost.averageRetainedTokens();
        Double kv = cost == null ? null : cost.kvCacheMiB();
        boolean ownCounts = prov.anyres() != null
                || (cost != null
                        && own.stream()
                                .anyMatch(r -> r.imageTokens() != null
                                        && r.imageTokens() != cost.schedule().imageTokens()));
        if (ownCounts && !own.isEmpty() && own.stream().allMatch(r -> r.tflops() != null)) {
            // LLaVA-NeXT, Qwen2.5-VL: every sample has its own N, so its own cost; the summary averages them
            tflops = mean(own, SampleRecord::tflops);
            flopsRatio = mean(own, SampleRecord::flopsRatio);
            retained = mean(own, SampleRecord::avgRetainedTokens);
            kv = mean(own, SampleRecord::kvCacheMib);
        }
        Double imageTokensMean =
                own.isEmpty() ? null : mean(own, r -> r.imageTokens().doubleValue());
        return new SummaryRecord(
                SummaryRecord.TYPE,
                config.hash(),
                bench.label(),
                RunRecords.configuration(config),
                records.size(),
                skipped,
                headline,
                metrics,
                notes,
                scoreError,
                log.issues().isEmpty() ? null : log.issues().size(),
                judged > 0 ? judged : null,
                judged > 0 ? correct : null,
                tflops,
                flopsRatio,
                retained,
                kv,
                p.length == 0 ? Double.NaN : Arrays.stream(p).average().orElseThrow(),
                p.length == 0 ? Double.NaN : (p[(p.length - 1) / 2] + p[p.length / 2]) / 2,
                reference == null ? null : referenceHash,
                reference == null ? null : agreement(records, reference),
                recall,
                prov,
                imageTokensMean);
    }

    private static double mean(List<SampleRecord> records, java.util.function.Function<SampleRecord, Double> field) {
        double sum = 0;
        for (SampleRecord r : records) {
            sum += field.apply(r);
        }
        return sum / records.size();
    }

    /** Share of samples answered by both whose (trimmed) answers are identical. */
    static double agreement(List<SampleRecord> records, List<SampleRecord> reference) {
        Map<String, String> ref = new HashMap<>();
        for (SampleRecord r : reference) {
            if (!r.wasSkipped()) {
                ref.put(r.sample(), r.answer().strip());
            }
        }
        int both = 0;
        int same = 0;
        for (SampleRecord r : records) {
            String other = ref.get(r.sample());
            if (other != null && !r.wasSkipped()) {
                both++;
                same += other.equals(r.answer().strip()) ? 1 : 0;
            }
        }
        return both == 0 ? Double.NaN : (double) same / both;
    }

    private static Instant earliest(Instant a, String b) {
        if (b == null) {
            return a;
        }
        Instant t = Instant.parse(b);
        return a == null || t.isBefore(a) ? t : a;
    }

    private static Instant latest(Instant a, String b) {
        if (b == null) {
            return a;
        }
        Instant t = Instant.parse(b);
        return a == null || t.isAfter(a) ? t : a;
    }
}
