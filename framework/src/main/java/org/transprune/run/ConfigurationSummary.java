package org.transprune.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonLines;
import org.transprune.bench.OnError;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

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
    public static ObjectNode build(
            RunConfiguration config,
            LoadedBenchmark bench,
            List<JsonNode> records,
            List<JsonNode> reference,
            String referenceHash,
            Provenance provenance) {
        ObjectNode s = JsonLines.MAPPER.createObjectNode();
        s.put(RunRecords.TYPE, RunRecords.SUMMARY);
        s.put("config", config.hash());
        s.put("benchmark", bench.label());
        s.set("configuration", RunRecords.configuration(config));

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
        for (JsonNode r : records) {
            JsonNode prov = r.path("provenance");
            start = earliest(start, prov.path("started_at").asText(null));
            end = latest(end, prov.path("ended_at").asText(null));
            if (r.hasNonNull("skipped")) {
                skipped++;
                continue;
            }
            Sample sample = byKey.get(r.path("sample").asText());
            if (sample != null) {
                answers.add(Answer.of(sample, r.path("answer").asText(), config.label()));
            }
            if (r.path("correct").isBoolean()) {
                judged++;
                correct += r.path("correct").asBoolean() ? 1 : 0;
            }
            if (r.hasNonNull("prefill_ms")) {
                prefill.add(r.path("prefill_ms").asDouble());
            }
            JsonNode recall = r.path("recall");
            if (recall.isArray()) {
                List<String> groups = r.hasNonNull("category")
                        ? List.of("all", r.get("category").asText())
                        : List.of("all");
                for (String cat : groups) {
                    double[] sum = recallSum.computeIfAbsent(cat, k -> new double[recall.size()]);
                    int[] cnt = recallCount.computeIfAbsent(cat, k -> new int[recall.size()]);
                    for (int i = 0; i < Math.min(sum.length, recall.size()); i++) {
                        if (recall.get(i).isNumber()) {
                            sum[i] += recall.get(i).asDouble();
                            cnt[i]++;
                        }
                    }
                }
            }
        }
        s.put("samples", records.size());
        s.put("skipped", skipped);
        // Scored leniently: a data problem found while scoring is listed, not fatal, so the
        // summary of hours of work is always written.
        IssueLog log = new IssueLog(OnError.SKIP);
        try {
            Score score = bench.spec().benchmark().score(bench.samples(), answers, bench.annotations(), log);
            s.put("headline", score.headline());
            ObjectNode metrics = s.putObject("metrics");
            score.metrics().forEach((k, v) -> RunRecords.putNumber(metrics, k, v));
            if (!score.notes().isEmpty()) {
                s.set("notes", JsonLines.MAPPER.valueToTree(score.notes()));
            }
        } catch (Exception e) {
            s.put("headline", bench.spec().benchmark().headlineMetric());
            s.putObject("metrics");
            s.put("score_error", String.valueOf(e.getMessage()));
        }
        if (!log.issues().isEmpty()) {
            s.put("scoring_issues", log.issues().size());
        }
        if (judged > 0) {
            s.put("judged", judged);
            s.put("correct", correct);
        }
        if (config.cost() != null) {
            s.put("tflops", config.cost().tflops());
            s.put("flops_ratio", config.cost().flopsRatio());
            s.put("avg_retained_tokens", config.cost().averageRetainedTokens());
            s.put("kv_cache_mib", config.cost().kvCacheMiB());
        }
        double[] p = prefill.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        RunRecords.putNumber(
                s,
                "prefill_ms_mean",
                p.length == 0 ? Double.NaN : Arrays.stream(p).average().orElseThrow());
        RunRecords.putNumber(
                s, "prefill_ms_median", p.length == 0 ? Double.NaN : (p[(p.length - 1) / 2] + p[p.length / 2]) / 2);
        if (reference != null) {
            s.put("agreement_with", referenceHash);
            RunRecords.putNumber(s, "agreement", agreement(records, reference));
        }
        if (!recallSum.isEmpty()) {
            ObjectNode rec = s.putObject("recall");
            recallSum.forEach((cat, sum) -> {
                double[] mean = new double[sum.length];
                for (int i = 0; i < sum.length; i++) {
                    mean[i] = recallCount.get(cat)[i] == 0
                            ? Double.NaN
                            : sum[i] / recallCount.get(cat)[i];
                }
                rec.set(cat, RunRecords.numbers(mean));
            });
        }
        // The summary describes where its samples ran (a merge may run elsewhere), so it takes the
        // code, library and machine fields from the records when there are any.
        ObjectNode prov = provenance.toJson(config.hash(), config.seed(), start, end);
        if (!records.isEmpty() && records.get(0).path("provenance") instanceof ObjectNode first) {
            for (String f : List.of("project_version", "git_commit", "djl", "pytorch", "device", "host")) {
                if (first.has(f)) {
                    prov.set(f, first.get(f));
                }
            }
        }
        s.set("provenance", prov);
        return s;
    }

    /** Share of samples answered by both whose (trimmed) answers are identical. */
    static double agreement(List<JsonNode> records, List<JsonNode> reference) {
        Map<String, String> ref = new HashMap<>();
        for (JsonNode r : reference) {
            if (!r.hasNonNull("skipped")) {
                ref.put(r.path("sample").asText(), r.path("answer").asText().strip());
            }
        }
        int both = 0;
        int same = 0;
        for (JsonNode r : records) {
            String other = ref.get(r.path("sample").asText());
            if (other != null && !r.hasNonNull("skipped")) {
                both++;
                same += other.equals(r.path("answer").asText().strip()) ? 1 : 0;
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
