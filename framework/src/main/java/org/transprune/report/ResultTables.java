package org.transprune.report;

import static tech.tablesaw.aggregate.AggregateFunctions.mean;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * The tables of a run, built with Tablesaw from {@link RunResults}: the paper-style table (a row
 * per method, a column per benchmark with the headline metric averaged over seeds and, when known,
 * its standard error, then the average relative to the unpruned row, TFLOPs, the two budget figures (FLOPs relative
 * to the unpruned model and the token budget, docs/method.md#budgets), measured prefill ms
 * and KV cache MiB), one ablation table per label whose parameters vary, and, for benchmarks with
 * per-category accuracy (e.g. with ground-truth regions), accuracy and selection recall by question type.
 */
public final class ResultTables {
    /** Column of the average of each benchmark's value relative to the unpruned row, in percent. */
    public static final String RELATIVE = "avg rel. (%)";
    /** Suffix of the per-category accuracy columns of {@link #categoryTable}: {@code "color (%)"}. */
    public static final String CATEGORY_ACCURACY_SUFFIX = " (%)";
    /** The paper's published numbers (docs/method.md#reference-numbers), bundled as reference rows. */
    public static final String PAPER_REFERENCE = "/org/transprune/report/paper-llava-1.5-7b.csv";
    /** Column of the FLOPs relative to the unpruned model, in percent (a budget figure). */
    public static final String FLOPS_RATIO = "rel. FLOPs (%)";
    /** Column of the token budget (docs/method.md#budgets). */
    public static final String TOKENS = "tokens";

    private ResultTables() {}

    /** Benchmarks in the order they first appear. */
    static List<String> benchmarks(Table summaries) {
        return List.copyOf(
                new LinkedHashSet<>(summaries.stringColumn("benchmark").asList()));
    }

    /**
     * The paper-style table of {@code summaries} (all labels), sorted by TFLOPs descending so the
     * unpruned row comes first.
     */
    public static Table paperTable(Table summaries, String title) {
        List<String> benches = benchmarks(summaries);
        Table byMethod = summaries.summarize("value", "se", mean).by("method", "benchmark");
        Table values = byMethod.pivot("method", "benchmark", "Mean [value]", mean);
        Table errors = byMethod.pivot("method", "benchmark", "Mean [se]", mean);
        Table costs = summaries
                .summarize(List.of("tflops", "flops_ratio", "tokens", "prefill_ms", "kv_mib"), mean)
                .by("method");
        Table out = Table.create(title, StringColumn.create("method"));
        out.stringColumn("method").append(values.stringColumn("method"));
        for (String b : benches) {
            out.addColumns(values.doubleColumn(b).copy().setName(b));
            DoubleColumn se = errors.doubleColumn(b);
            if (se.countMissing() < se.size()) {
                out.addColumns(se.copy().setName(b + " ±"));
            }
        }
        out.addColumns(relativeAverage(values, summaries, benches));
        Table joined = out.joinOn("method").inner(costs);
        joined.column("Mean [tflops]").setName("TFLOPs");
        DoubleColumn ratio = joined.doubleColumn("Mean [flops_ratio]");
        joined.replaceColumn("Mean [flops_ratio]", ratio.multiply(100).setName(FLOPS_RATIO));
        joined.column("Mean [tokens]").setName(TOKENS);
        joined.column("Mean [prefill_ms]").setName("prefill ms");
        joined.column("Mean [kv_mib]").setName("KV MiB");
        List<String> order = new ArrayList<>(out.columnNames());
        order.addAll(List.of("TFLOPs", FLOPS_RATIO, TOKENS, "prefill ms", "KV MiB"));
        Table ordered = joined.reorderColumns(order.toArray(String[]::new));
        ordered.setName(title);
        return ordered.sortDescendingOn("TFLOPs");
    }

    /**
     * The methods of {@code summaries} in the order of {@link #paperTable}: TFLOPs descending,
     * the unpruned row first.
     */
    public static List<String> methodOrder(Table summaries) {
        return paperTable(summaries, "order").stringColumn("method").asList();
    }

    /**
     * {@link #categoryTable} for every benchmark whose summaries carry per-category accuracy, by
     * benchmark in the order they first appear.
     */
    public static Map<String, Table> categoryTables(Table summaries, Table categories) {
        Map<String, Table> out = new LinkedHashMap<>();
        List<String> order = methodOrder(summaries);
        for (String bench : benchmarks(summaries)) {
            Table mine = categories.where(categories
                    .stringColumn("benchmark")
                    .isEqualTo(bench)
                    .and(categories.stringColumn("category").isNotEqualTo(RunResults.ALL)));
            if (!mine.isEmpty()) {
                out.put(bench, categoryTable(summaries, categories, bench, order));
            }
        }
        return out;
    }

    /**
     * Accuracy and selection recall by question type on one benchmark, a row per method in
     * {@code methodOrder} (the methods without a summary on the benchmark left out), values
     * averaged over seeds: {@value #CATEGORY_ACCURACY_SUFFIX}-suffixed accuracy per category,
     * {@code accuracy (%)}, its standard error {@code ± (%)} (when per-sample correctness is
     * known), {@code rel. (%)} (accuracy relative to the unpruned row), {@code TFLOPs}, the budget figures
     * {@value #FLOPS_RATIO} and {@value #TOKENS}, {@code prefill ms}, then, when the benchmark records selection recall, {@code recall CATEGORY
     * (%)} per category and {@code recall all (%)} (share of the relevant patches kept after the
     * last pruning stage; empty for a configuration that prunes nothing), and
     * {@code agreement (%)}, the share of answers identical to the unpruned configuration's of
     * the same seed (empty for the unpruned row itself).
     *
     * @param categories {@link RunResults#categories}
     */
    public static Table categoryTable(Table summaries, Table categories, String benchmark, List<String> methodOrder) {
        Table sums = summaries.where(summaries.stringColumn("benchmark").isEqualTo(benchmark));
        Table cats = categories.where(categories.stringColumn("benchmark").isEqualTo(benchmark));
        Set<String> present = new LinkedHashSet<>(sums.stringColumn("method").asList());
        List<String> methods = methodOrder.stream().filter(present::contains).toList();
        List<String> names = new ArrayList<>(
                new LinkedHashSet<>(cats.stringColumn("category").asList()));
        names.remove(RunResults.ALL); // the categories come in question-type order (RunResults#categories)
        Table perCategory = cats.summarize("accuracy", "recall", mean).by("method", "category");
        Table perMethod = sums.summarize(
                        List.of("se", "tflops", "flops_ratio", "tokens", "prefill_ms", "agreement"), mean)
                .by("method");
        boolean withRecall = cats.doubleColumn("recall").countMissing() < cats.rowCount();

        Table out = Table.create(
                benchmark + ": accuracy" + (withRecall ? " and selection recall" : "") + " by question type",
                StringColumn.create("method", methods));
        for (String c : names) {
            out.addColumns(lookup(perCategory, c, "Mean [accuracy]", methods, c + CATEGORY_ACCURACY_SUFFIX, 1));
        }
        DoubleColumn accuracy = lookup(perCategory, RunResults.ALL, "Mean [accuracy]", methods, "accuracy (%)", 1);
        out.addColumns(accuracy);
        DoubleColumn se = lookup(perMethod, null, "Mean [se]", methods, "± (%)", 1);
        if (se.countMissing() < se.size()) {
            out.addColumns(se);
        }
        DoubleColumn rel = DoubleColumn.create("rel. (%)", methods.size());
        Table reference = sums.where(sums.booleanColumn("unpruned").isTrue());
        int refRow = reference.isEmpty()
                ? -1
                : methods.indexOf(reference.stringColumn("method").get(0));
        for (int r = 0; r < methods.size() && refRow >= 0; r++) {
            double ref = accuracy.getDouble(refRow);
            rel.set(r, ref == 0 || Double.isNaN(ref) ? Double.NaN : 100 * accuracy.getDouble(r) / ref);
        }
        out.addColumns(rel);
        out.addColumns(
                lookup(perMethod, null, "Mean [tflops]", methods, "TFLOPs", 1),
                lookup(perMethod, null, "Mean [flops_ratio]", methods, FLOPS_RATIO, 100),
                lookup(perMethod, null, "Mean [tokens]", methods, TOKENS, 1),
                lookup(perMethod, null, "Mean [prefill_ms]", methods, "prefill ms", 1));
        if (withRecall) {
            for (String c : names) {
                out.addColumns(lookup(perCategory, c, "Mean [recall]", methods, "recall " + c + " (%)", 1));
            }
            out.addColumns(lookup(perCategory, RunResults.ALL, "Mean [recall]", methods, "recall all (%)", 1));
        }
        DoubleColumn agreement = lookup(perMethod, null, "Mean [agreement]", methods, "agreement (%)", 100);
        if (agreement.countMissing() < agreement.size()) {
            out.addColumns(agreement);
        }
        return out;
    }

    /**
     * A column named {@code name} with, for each method, {@code scale *} the {@code value} of the
     * row of {@code grouped} with that method (and {@code category}, when not null); missing where
     * there is no such row.
     */
    private static DoubleColumn lookup(
            Table grouped, String category, String value, List<String> methods, String name, double scale) {
        DoubleColumn out = DoubleColumn.create(name, methods.size());
        for (int i = 0; i < grouped.rowCount(); i++) {
            if (category != null && !grouped.stringColumn("category").get(i).equals(category)) {
                continue;
            }
            int r = methods.indexOf(grouped.stringColumn("method").get(i));
            if (r >= 0) {
                out.set(r, scale * grouped.doubleColumn(value).getDouble(i));
            }
        }
        return out;
    }

    /** Per method: mean over benchmarks of value / value of the unpruned method, in percent. */
    static DoubleColumn relativeAverage(Table values, Table summaries, List<String> benches) {
        DoubleColumn rel = DoubleColumn.create(RELATIVE, values.rowCount());
        Table reference = summaries.where(summaries.booleanColumn("unpruned").isTrue());
        if (reference.isEmpty()) {
            return rel; // no unpruned configuration: nothing to be relative to
        }
        String refMethod = reference.stringColumn("method").get(0);
        int refRow = values.stringColumn("method").indexOf(refMethod);
        for (int r = 0; r < values.rowCount(); r++) {
            double sum = 0;
            int n = 0;
            for (String b : benches) {
                double v = values.doubleColumn(b).get(r);
                double ref = values.doubleColumn(b).get(refRow);
                if (!Double.isNaN(v) && !Double.isNaN(ref) && ref != 0) {
                    sum += 100 * v / ref;
                    n++;
                }
            }
            rel.set(r, n == 0 ? Double.NaN : sum / n);
        }
        return rel;
    }

    /**
     * One table per label whose configurations differ in some parameter: a column per varying
     * parameter, a column per benchmark, the relative average and TFLOPs; the unpruned row is
     * included as the reference.
     */
    public static Map<String, Table> ablations(Table summaries) {
        Map<String, Table> out = new LinkedHashMap<>();
        Table reference = summaries.where(summaries.booleanColumn("unpruned").isTrue());
        for (String label : new LinkedHashSet<>(summaries.stringColumn("label").asList())) {
            Table mine = summaries.where(summaries.stringColumn("label").isEqualTo(label));
            List<String> varying = new ArrayList<>();
            for (String c : mine.columnNames()) {
                if (c.startsWith("param:") && mine.stringColumn(c).countUnique() > 1) {
                    varying.add(c);
                }
            }
            if (varying.isEmpty()) {
                continue;
            }
            Table rows = reference.isEmpty()
                            || mine.booleanColumn("unpruned").isTrue().size() > 0
                    ? mine
                    : mine.copy().append(reference);
            Table t = paperTable(
                    rows,
                    "Ablation: " + label + " over "
                            + String.join(
                                    ", ",
                                    varying.stream()
                                            .map(v -> v.substring("param:".length()))
                                            .toList()));
            // The varying parameters as their own columns, so the table reads as a pivot over them
            // (named "tokens (parameter)" where a parameter shares its name with a column, e.g. the
            // token budget beside a projector-stage strategy's own `tokens`).
            for (String v : varying) {
                String name = v.substring("param:".length());
                StringColumn col = StringColumn.create(t.columnNames().contains(name) ? name + " (parameter)" : name);
                for (String method : t.stringColumn("method")) {
                    int i = rows.stringColumn("method").indexOf(method);
                    col.append(rows.stringColumn(v).get(i));
                }
                t.insertColumn(1 + varying.indexOf(v), col);
            }
            out.put(label, t);
        }
        return out;
    }

    /**
     * Reference rows (e.g. the paper's published numbers) with a {@code method} column and a
     * column per benchmark, shaped like {@code table}: benchmarks it does not have are dropped,
     * missing ones left empty, and the method prefixed "reported: ".
     */
    public static Table withReference(Table table, Table reference) {
        Table out = table.copy();
        for (int r = 0; r < reference.rowCount(); r++) {
            for (var col : out.columns()) {
                String name = col.name();
                if (name.equals("method")) {
                    out.stringColumn("method").append("reported: " + reference.getString(r, "method"));
                } else if (reference.columnNames().contains(name) && col instanceof DoubleColumn d) {
                    d.append(((NumericColumn<?>) reference.column(name)).getDouble(r));
                } else {
                    col.appendMissing();
                }
            }
        }
        return out;
    }

    /** Reads reference rows from a CSV file, or the bundled paper numbers for {@code "paper"}. */
    public static Table readReference(String source) {
        try (InputStream in = source.equals("paper")
                ? ResultTables.class.getResourceAsStream(PAPER_REFERENCE)
                : Files.newInputStream(Path.of(source))) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + PAPER_REFERENCE);
            }
            Table t = Table.read()
                    .csv(CsvReadOptions.builder(in).commentPrefix('#').build());
            Table typed = Table.create("reference", StringColumn.create("method"));
            typed.stringColumn("method").append(t.column("method").asStringColumn());
            for (String c : t.columnNames()) {
                if (!c.equals("method") && t.column(c).type() != ColumnType.STRING) {
                    DoubleColumn d = DoubleColumn.create(c);
                    NumericColumn<?> n = (NumericColumn<?>) t.column(c);
                    for (int i = 0; i < n.size(); i++) {
                        d.append(n.getDouble(i));
                    }
                    typed.addColumns(d);
                }
            }
            return typed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reference rows " + source, e);
        }
    }

    /** Labels used in the run. */
    static Set<String> labels(Table summaries) {
        return new LinkedHashSet<>(summaries.stringColumn("label").asList());
    }
}
