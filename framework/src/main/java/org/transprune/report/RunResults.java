package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.transprune.records.ResultsLog;
import org.transprune.run.RunRecords;
import org.transprune.synth.QuestionType;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The summary records of a run directory as one Tablesaw table, a row per (configuration,
 * benchmark): {@code config, strategy, label, method, seed, benchmark, metric, value, n, se,
 * ci_low, ci_high, tflops, prefill_ms, kv_mib, agreement, unpruned}, plus a column per strategy
 * parameter ({@code param:NAME}, text).
 *
 * <p>{@code method} is the label followed by the parameters that vary among configurations with
 * that label, so two grid points never share a row. Where per-sample correctness is recorded,
 * {@code se} is the binomial standard error of the accuracy and {@code ci_low}/{@code ci_high}
 * a 95% percentile bootstrap interval (2000 resamples, fixed seed), both in percent.
 *
 * <p>{@link #categories} gives the per-question-type details (accuracy, selection recall) that
 * the synthetic benchmark's summaries carry.
 */
public final class RunResults {
    static final int BOOTSTRAP_RESAMPLES = 2000;
    /** Prefix of the per-category accuracy metrics ({@code accuracy/color}). */
    public static final String CATEGORY_METRIC = "accuracy/";
    /** The category row of {@link #categories} that covers every question. */
    public static final String ALL = "all";

    private RunResults() {}

    /** Reads {@code dir/results.jsonl}. */
    public static Table load(Path dir) throws IOException {
        return summaries(ResultsLog.read(dir), dir);
    }

    /**
     * The summary table of a run's records (as {@link ResultsLog#read} returns them).
     *
     * @param dir the run directory, for the message when there is no summary yet
     * @throws IllegalArgumentException when the records hold no summary
     */
    public static Table summaries(List<ObjectNode> records, Path dir) {
        Map<String, List<Boolean>> correct = new HashMap<>();
        List<ObjectNode> summaries = new ArrayList<>();
        for (ObjectNode r : records) {
            if (RunRecords.isSample(r) && r.path("correct").isBoolean()) {
                correct.computeIfAbsent(
                                r.path("config").asText() + "|"
                                        + r.path("benchmark").asText(),
                                k -> new ArrayList<>())
                        .add(r.path("correct").asBoolean());
            } else if (RunRecords.isSummary(r)) {
                summaries.add(r);
            }
        }
        if (summaries.isEmpty()) {
            throw new IllegalArgumentException(
                    dir + " has no summary records yet (is the run finished, or the" + " shards merged?)");
        }
        return table(summaries, correct);
    }

    static Table table(List<ObjectNode> summaries, Map<String, List<Boolean>> correct) {
        Set<String> params = new TreeSet<>();
        summaries.forEach(
                s -> s.path("configuration").path("parameters").fieldNames().forEachRemaining(params::add));
        Map<String, String> methods = methodNames(summaries);
        Table t = Table.create(
                "summaries",
                StringColumn.create("config"),
                StringColumn.create("strategy"),
                StringColumn.create("label"),
                StringColumn.create("method"),
                IntColumn.create("seed"),
                StringColumn.create("benchmark"),
                StringColumn.create("metric"),
                DoubleColumn.create("value"),
                IntColumn.create("n"),
                DoubleColumn.create("se"),
                DoubleColumn.create("ci_low"),
                DoubleColumn.create("ci_high"),
                DoubleColumn.create("tflops"),
                DoubleColumn.create("prefill_ms"),
                DoubleColumn.create("kv_mib"),
                DoubleColumn.create("agreement"),
                BooleanColumn.create("unpruned"));
        for (String p : params) {
            t.addColumns(StringColumn.create("param:" + p));
        }
        for (ObjectNode s : summaries) {
            JsonNode c = s.path("configuration");
            String hash = s.path("config").asText();
            String metric = s.path("headline").asText();
            t.stringColumn("config").append(hash);
            t.stringColumn("strategy").append(c.path("strategy").asText());
            t.stringColumn("label").append(c.path("label").asText());
            t.stringColumn("method").append(methods.get(hash));
            t.intColumn("seed").append(c.path("seed").asInt());
            t.stringColumn("benchmark").append(s.path("benchmark").asText());
            t.stringColumn("metric").append(metric);
            t.doubleColumn("value").append(number(s.path("metrics").path(metric)));
            t.intColumn("n")
                    .append(s.path("samples").asInt() - s.path("skipped").asInt());
            double[] interval =
                    interval(correct.get(hash + "|" + s.path("benchmark").asText()));
            t.doubleColumn("se").append(interval[0]);
            t.doubleColumn("ci_low").append(interval[1]);
            t.doubleColumn("ci_high").append(interval[2]);
            t.doubleColumn("tflops").append(number(s.path("tflops")));
            t.doubleColumn("prefill_ms").append(number(s.path("prefill_ms_mean")));
            t.doubleColumn("kv_mib").append(number(s.path("kv_cache_mib")));
            t.doubleColumn("agreement").append(number(s.path("agreement")));
            t.booleanColumn("unpruned")
                    .append(s.path("flops_ratio").isNumber()
                            && s.path("flops_ratio").asDouble() == 1.0);
            for (String p : params) {
                JsonNode v = c.path("parameters").get(p);
                t.stringColumn("param:" + p).append(v == null ? "" : text(v));
            }
        }
        return t;
    }

    /**
     * The per-category details of the summaries that have them, a row per (configuration,
     * benchmark, category): {@code config, method, seed, benchmark, category, accuracy, recall}.
     * {@code accuracy} is the summary's {@code accuracy/<category>} metric (percent) and
     * {@code recall} the mean selection recall of the category at the last pruning stage, in
     * percent (missing when the configuration has no pruning stage or the category no relevant
     * patch). Categories come in {@link QuestionType} order, then any others in the order met; a
     * last row per summary, category {@value #ALL}, holds the overall {@code accuracy} metric and
     * the recall over all questions. Summaries without either detail have no rows.
     */
    public static Table categories(List<ObjectNode> records) {
        List<ObjectNode> summaries =
                records.stream().filter(RunRecords::isSummary).toList();
        Map<String, String> methods = methodNames(summaries);
        Table t = Table.create(
                "categories",
                StringColumn.create("config"),
                StringColumn.create("method"),
                IntColumn.create("seed"),
                StringColumn.create("benchmark"),
                StringColumn.create("category"),
                DoubleColumn.create("accuracy"),
                DoubleColumn.create("recall"));
        for (ObjectNode s : summaries) {
            JsonNode metrics = s.path("metrics");
            JsonNode recall = s.path("recall");
            List<String> categories = new ArrayList<>();
            metrics.fieldNames().forEachRemaining(k -> {
                if (k.startsWith(CATEGORY_METRIC)) {
                    categories.add(k.substring(CATEGORY_METRIC.length()));
                }
            });
            recall.fieldNames().forEachRemaining(k -> {
                if (!k.equals(ALL) && !categories.contains(k)) {
                    categories.add(k);
                }
            });
            if (categories.isEmpty()) {
                continue;
            }
            categories.sort(java.util.Comparator.comparingInt(RunResults::categoryRank));
            categories.add(ALL);
            String hash = s.path("config").asText();
            for (String cat : categories) {
                t.stringColumn("config").append(hash);
                t.stringColumn("method").append(methods.get(hash));
                t.intColumn("seed").append(s.path("configuration").path("seed").asInt());
                t.stringColumn("benchmark").append(s.path("benchmark").asText());
                t.stringColumn("category").append(cat);
                t.doubleColumn("accuracy")
                        .append(number(metrics.path(cat.equals(ALL) ? "accuracy" : CATEGORY_METRIC + cat)));
                JsonNode stages = recall.path(cat);
                t.doubleColumn("recall")
                        .append(
                                stages.isArray() && !stages.isEmpty()
                                        ? 100 * number(stages.get(stages.size() - 1))
                                        : Double.NaN);
            }
        }
        return t;
    }

    /** Position of a category in {@link QuestionType} order; others after, keeping their order (stable sort). */
    static int categoryRank(String category) {
        for (QuestionType q : QuestionType.values()) {
            if (q.category().equals(category)) {
                return q.ordinal();
            }
        }
        return QuestionType.values().length;
    }

    /** Label plus the parameters that vary among the configurations sharing that label. */
    static Map<String, String> methodNames(List<ObjectNode> summaries) {
        Map<String, Map<String, Set<String>>> valuesByLabel = new LinkedHashMap<>();
        for (ObjectNode s : summaries) {
            JsonNode c = s.path("configuration");
            Map<String, Set<String>> values =
                    valuesByLabel.computeIfAbsent(c.path("label").asText(), k -> new TreeMap<>());
            c.path("parameters")
                    .fields()
                    .forEachRemaining(e -> values.computeIfAbsent(e.getKey(), k -> new LinkedHashSet<>())
                            .add(text(e.getValue())));
        }
        Map<String, String> out = new HashMap<>();
        for (ObjectNode s : summaries) {
            JsonNode c = s.path("configuration");
            String label = c.path("label").asText();
            StringBuilder sb = new StringBuilder(label);
            valuesByLabel.get(label).forEach((p, vs) -> {
                if (vs.size() > 1) {
                    sb.append(' ')
                            .append(p)
                            .append('=')
                            .append(text(c.path("parameters").path(p)));
                }
            });
            out.put(s.path("config").asText(), sb.toString());
        }
        return out;
    }

    /** {se, ci_low, ci_high} in percent, NaN when there is no per-sample correctness. */
    static double[] interval(List<Boolean> correct) {
        if (correct == null || correct.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        int n = correct.size();
        int k = (int) correct.stream().filter(b -> b).count();
        double p = (double) k / n;
        double se = 100 * Math.sqrt(p * (1 - p) / n);
        SplittableRandom rng = new SplittableRandom(20240601L);
        double[] means = new double[BOOTSTRAP_RESAMPLES];
        for (int b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
            int hits = 0;
            for (int i = 0; i < n; i++) {
                hits += correct.get(rng.nextInt(n)) ? 1 : 0;
            }
            means[b] = 100.0 * hits / n;
        }
        java.util.Arrays.sort(means);
        return new double[] {
            se,
            means[(int) Math.floor(0.025 * (BOOTSTRAP_RESAMPLES - 1))],
            means[(int) Math.ceil(0.975 * (BOOTSTRAP_RESAMPLES - 1))]
        };
    }

    private static double number(JsonNode n) {
        return n != null && n.isNumber() ? n.asDouble() : Double.NaN;
    }

    static String text(JsonNode v) {
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(x -> parts.add(x.asText()));
            return "[" + String.join(", ", parts) + "]";
        }
        return v.asText();
    }
}
