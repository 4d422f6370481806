package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.transprune.records.Configuration;
import org.transprune.records.ResultsLog;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The summary records of a run directory as one Tablesaw table, a row per (configuration,
 * benchmark): {@code config, strategy, label, method, seed, benchmark, metric, value, n, se,
 * ci_low, ci_high, tflops, flops_ratio, tokens, prefill_ms, kv_mib, agreement, unpruned}, plus a column per strategy
 * parameter ({@code param:NAME}, text). {@code flops_ratio} and {@code tokens} are the two budget figures
 * (docs/method.md#budgets): FLOPs relative to the unpruned model and the token budget.
 *
 * <p>{@code method} is the label followed by the parameters that vary among configurations with
 * that label, so two grid points never share a row. Where per-sample correctness is recorded,
 * {@code se} is the binomial standard error of the accuracy and {@code ci_low}/{@code ci_high}
 * a 95% percentile bootstrap interval (2000 resamples, fixed seed), both in percent.
 *
 * <p>{@link #categories} gives the per-question-type details (accuracy, selection recall) that the
 * summaries of benchmarks with per-category accuracy or ground-truth regions carry.
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
    public static Table summaries(List<RunRecord> records, Path dir) {
        Map<String, List<Boolean>> correct = new HashMap<>();
        List<SummaryRecord> summaries = new ArrayList<>();
        for (RunRecord r : records) {
            if (r instanceof SampleRecord sr && sr.correct() != null) {
                correct.computeIfAbsent(sr.config() + "|" + sr.benchmark(), k -> new ArrayList<>())
                        .add(sr.correct());
            } else if (r instanceof SummaryRecord sr) {
                summaries.add(sr);
            }
        }
        if (summaries.isEmpty()) {
            throw new IllegalArgumentException(
                    dir + " has no summary records yet (is the run finished, or the" + " shards merged?)");
        }
        return table(summaries, correct);
    }

    static Table table(List<SummaryRecord> summaries, Map<String, List<Boolean>> correct) {
        Set<String> params = new TreeSet<>();
        summaries.forEach(s -> s.configuration().parameters().fieldNames().forEachRemaining(params::add));
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
                DoubleColumn.create("flops_ratio"),
                DoubleColumn.create("tokens"),
                DoubleColumn.create("prefill_ms"),
                DoubleColumn.create("kv_mib"),
                DoubleColumn.create("agreement"),
                BooleanColumn.create("unpruned"));
        for (String p : params) {
            t.addColumns(StringColumn.create("param:" + p));
        }
        for (SummaryRecord s : summaries) {
            Configuration c = s.configuration();
            String hash = s.config();
            t.stringColumn("config").append(hash);
            t.stringColumn("strategy").append(c.strategy());
            t.stringColumn("label").append(c.label());
            t.stringColumn("method").append(methods.get(hash));
            t.intColumn("seed").append((int) c.seed());
            t.stringColumn("benchmark").append(s.benchmark());
            t.stringColumn("metric").append(s.headline());
            t.doubleColumn("value").append(s.headlineValue());
            t.intColumn("n").append(s.answered());
            double[] interval = interval(correct.get(hash + "|" + s.benchmark()));
            t.doubleColumn("se").append(interval[0]);
            t.doubleColumn("ci_low").append(interval[1]);
            t.doubleColumn("ci_high").append(interval[2]);
            t.doubleColumn("tflops").append(number(s.tflops()));
            t.doubleColumn("flops_ratio").append(number(s.flopsRatio()));
            t.doubleColumn("tokens").append(number(tokens(s)));
            t.doubleColumn("prefill_ms").append(number(s.prefillMsMean()));
            t.doubleColumn("kv_mib").append(number(s.kvCacheMib()));
            t.doubleColumn("agreement").append(number(s.agreement()));
            t.booleanColumn("unpruned").append(s.flopsRatio() != null && s.flopsRatio() == 1.0);
            for (String p : params) {
                JsonNode v = c.parameters().get(p);
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
     * patch). Categories come in the order of the benchmark's question types (from its
     * {@link org.transprune.bench.GroundTruthRegions} capability, {@code typeOrder}), then any others in the order met; a
     * last row per summary, category {@value #ALL}, holds the overall {@code accuracy} metric and
     * the recall over all questions. Summaries without either detail have no rows.
     *
     * @param typeOrder the question types of a benchmark label in table order; labels not in it keep the summaries' order
     */
    public static Table categories(List<RunRecord> records, Map<String, List<String>> typeOrder) {
        List<SummaryRecord> summaries = summaryRecords(records);
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
        for (SummaryRecord s : summaries) {
            Map<String, Double> metrics = s.metrics() == null ? Map.of() : s.metrics();
            Map<String, List<Double>> recall = s.recall() == null ? Map.of() : s.recall();
            List<String> categories = new ArrayList<>();
            metrics.keySet().forEach(k -> {
                if (k.startsWith(CATEGORY_METRIC)) {
                    categories.add(k.substring(CATEGORY_METRIC.length()));
                }
            });
            recall.keySet().forEach(k -> {
                if (!k.equals(ALL) && !categories.contains(k)) {
                    categories.add(k);
                }
            });
            if (categories.isEmpty()) {
                continue;
            }
            List<String> order = typeOrder.getOrDefault(s.benchmark(), List.of());
            categories.sort(Comparator.comparingInt(c -> order.contains(c) ? order.indexOf(c) : order.size()));
            categories.add(ALL);
            String hash = s.config();
            for (String cat : categories) {
                t.stringColumn("config").append(hash);
                t.stringColumn("method").append(methods.get(hash));
                t.intColumn("seed").append((int) s.configuration().seed());
                t.stringColumn("benchmark").append(s.benchmark());
                t.stringColumn("category").append(cat);
                t.doubleColumn("accuracy")
                        .append(number(metrics.get(cat.equals(ALL) ? "accuracy" : CATEGORY_METRIC + cat)));
                List<Double> stages = recall.get(cat);
                t.doubleColumn("recall")
                        .append(
                                stages != null && !stages.isEmpty()
                                        ? 100 * number(stages.get(stages.size() - 1))
                                        : Double.NaN);
            }
        }
        return t;
    }

    /**
     * The token budget of a summary (docs/method.md#budgets): a projector stage's keep as its configuration records
     * it (it differs from the mean tokens per layer then), else the summary's mean tokens per layer (averaged over
     * the samples' own N where N varies, LLaVA-NeXT), else the configuration's.
     */
    static Double tokens(SummaryRecord s) {
        Configuration c = s.configuration();
        boolean projector = c.budgetTokens() != null
                && c.avgRetainedTokens() != null
                && !c.budgetTokens().equals(c.avgRetainedTokens());
        if (projector) {
            return c.budgetTokens();
        }
        return s.avgRetainedTokens() != null ? s.avgRetainedTokens() : c.tokens();
    }

    /** The summary records among {@code records}. */
    public static List<SummaryRecord> summaryRecords(List<RunRecord> records) {
        return records.stream()
                .filter(r -> r instanceof SummaryRecord)
                .map(r -> (SummaryRecord) r)
                .toList();
    }

    /** Label plus the parameters that vary among the configurations sharing that label. */
    static Map<String, String> methodNames(List<SummaryRecord> summaries) {
        Map<String, Map<String, Set<String>>> valuesByLabel = new LinkedHashMap<>();
        for (SummaryRecord s : summaries) {
            Configuration c = s.configuration();
            Map<String, Set<String>> values = valuesByLabel.computeIfAbsent(c.label(), k -> new TreeMap<>());
            c.parameters()
                    .fields()
                    .forEachRemaining(e -> values.computeIfAbsent(e.getKey(), k -> new LinkedHashSet<>())
                            .add(text(e.getValue())));
        }
        Map<String, String> out = new HashMap<>();
        for (SummaryRecord s : summaries) {
            Configuration c = s.configuration();
            String label = c.label();
            StringBuilder sb = new StringBuilder(label);
            valuesByLabel.get(label).forEach((p, vs) -> {
                if (vs.size() > 1) {
                    sb.append(' ')
                            .append(p)
                            .append('=')
                            .append(text(c.parameters().path(p)));
                }
            });
            out.put(s.config(), sb.toString());
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
        Arrays.sort(means);
        return new double[] {
            se,
            means[(int) Math.floor(0.025 * (BOOTSTRAP_RESAMPLES - 1))],
            means[(int) Math.ceil(0.975 * (BOOTSTRAP_RESAMPLES - 1))]
        };
    }

    private static double number(Double n) {
        return n == null ? Double.NaN : n;
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
