package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.transprune.bench.GroundTruthRegions;
import org.transprune.records.ResultsLog;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;
import org.transprune.run.BenchmarkSpec;
import org.transprune.run.LoadedBenchmark;
import org.transprune.run.RunDirectory;
import tech.tablesaw.api.Table;

/**
 * The report of a run directory, as {@code transprune table} and a finished {@code transprune run}
 * write it into a target directory (by default {@code RUN_DIR/report}):
 * <ul>
 *   <li>{@code table.csv}: the paper-style table ({@link ResultTables#paperTable}), with
 *       reference rows when asked;
 *   <li>{@code ablation-LABEL.csv}: one per label whose parameters vary
 *       ({@link ResultTables#ablations});
 *   <li>{@code table-BENCHMARK-by-category.csv}: accuracy and selection recall by question type,
 *       for benchmarks with per-category accuracy ({@link ResultTables#categoryTable});
 *   <li>{@code positional-bias-BENCHMARK.csv} and {@code kept-by-row-BENCHMARK.csv}: where each method keeps
 *       tokens ({@link PositionalBias}), for benchmarks whose records say what was kept;
 *   <li>{@code table.md} and {@code table.html}: all of these tables (main, ablations, by
 *       category, positional bias), the HTML page with the figures;
 *   <li>{@code summaries.csv}: {@link RunResults#summaries} as is;
 *   <li>with plots: the charts of {@link ResultPlots} ({@code *.png}, {@code *.svg}), the kept share by image row
 *       of {@link PositionalBias#draw} ({@code kept-by-position-BENCHMARK.png}) and, for
 *       benchmarks whose records carry kept patches, {@link KeptTokenFigure kept-token figures}
 *       {@code heatmaps/BENCHMARK-SAMPLE.png} for the first few samples.
 * </ul>
 * The figures need the benchmark's images and the per-type table its question types: both come from the
 * benchmarks the run recorded in {@code plan.json} ({@link RunDirectory#benchmarks}) or the caller gives; no
 * experiment file is parsed and no model loaded.
 */
public final class RunReport {
    /** Samples per benchmark drawn as kept-token figures unless told otherwise. */
    public static final int DEFAULT_HEATMAP_SAMPLES = 4;

    /**
     * How to write.
     *
     * @param plots draw the charts and the kept-token figures (else tables only)
     * @param reference rows appended to the main table ({@link ResultTables#readReference}), or null
     * @param heatmapSamples samples per benchmark drawn as kept-token figures (0 for none)
     * @param benchmarks where the benchmarks' files are (the run's plan), or null to find them
     *     through the run directory's {@code plan.json}
     * @param configurations hashes of the configurations to report (a run's plan), or null for every
     *     configuration in the results; records of others (e.g. of an earlier checkpoint in the same
     *     directory) are left out, so they cannot merge into a row of the same label
     */
    public record Options(
            boolean plots,
            Table reference,
            int heatmapSamples,
            List<BenchmarkSpec> benchmarks,
            Set<String> configurations) {
        /** Plots, no reference rows, {@value #DEFAULT_HEATMAP_SAMPLES} figures per benchmark. */
        public static Options defaults() {
            return new Options(true, null, DEFAULT_HEATMAP_SAMPLES, null, null);
        }
    }

    /**
     * What was written.
     *
     * @param directory the target directory
     * @param tables every table, in the order of {@code table.md}
     * @param markdown {@code table.md}
     * @param mainMarkdown the main table and the by-category tables, as Markdown (what {@code run}
     *     prints)
     * @param files every file written
     * @param warnings what could not be drawn, and why
     */
    public record Written(
            Path directory,
            List<Table> tables,
            String markdown,
            String mainMarkdown,
            List<Path> files,
            List<String> warnings) {}

    private RunReport() {}

    /**
     * One warning per label and seed that names several configurations in the records (say, the same
     * strategy run on an earlier checkpoint into the same directory): their results share the label's
     * row. Several seeds of one label are the intended way to share a row and are not reported.
     */
    static List<String> sharedLabels(List<RunRecord> records) {
        Map<String, Set<String>> configsOfLabel = new TreeMap<>();
        for (SummaryRecord r : RunResults.summaryRecords(records)) {
            // Seeds of one configuration are meant to share a row; anything else under one label and seed is not.
            configsOfLabel
                    .computeIfAbsent(
                            r.benchmark() + "/" + r.configuration().label() + " seed "
                                    + r.configuration().seed(),
                            k -> new TreeSet<>())
                    .add(r.config());
        }
        List<String> out = new ArrayList<>();
        configsOfLabel.forEach((label, configs) -> {
            if (configs.size() > 1) {
                out.add(
                        "label '" + label + "' (benchmark/label) names " + configs.size() + " configurations " + configs
                                + " (e.g. results of another checkpoint in the same directory); their results are pooled in its row");
            }
        });
        return out;
    }

    /** {@link #write(Path, Path, Options)} without reference rows, with the default figures when {@code plots}. */
    public static Written write(Path runDir, Path target, boolean plots) throws IOException {
        Options d = Options.defaults();
        return write(runDir, target, new Options(plots, null, d.heatmapSamples(), null, null));
    }

    /**
     * Writes the report of {@code runDir} into {@code target}.
     *
     * @throws IllegalArgumentException when the run has no summary record yet
     */
    public static Written write(Path runDir, Path target, Options options) throws IOException {
        List<RunRecord> records = new ArrayList<>(ResultsLog.read(runDir));
        if (options.configurations() != null) {
            records.removeIf(r -> !options.configurations().contains(r.config()));
        }
        List<String> warnings = new ArrayList<>(CodeTable.dropSuperseded(records, runDir));
        warnings.addAll(sharedLabels(records));
        // The benchmarks' files and capabilities come from the run's plan (or the caller): no experiment is parsed.
        List<BenchmarkSpec> specs =
                options.benchmarks() != null ? options.benchmarks() : RunDirectory.benchmarks(runDir, warnings);
        Map<String, List<String>> typeOrder = new HashMap<>();
        for (BenchmarkSpec b : specs) {
            if (b.benchmark() instanceof GroundTruthRegions g) {
                typeOrder.put(b.label(), g.questionTypes());
            }
        }
        Table summaries = RunResults.summaries(records, runDir);
        Path name = runDir.toAbsolutePath().normalize().getFileName();
        String runName = name == null ? runDir.toString() : name.toString();
        List<Path> files = new ArrayList<>();

        Table main = ResultTables.paperTable(summaries, "Results: " + runName);
        if (options.reference() != null) {
            main = ResultTables.withReference(main, options.reference());
        }
        List<Table> tables = new ArrayList<>();
        tables.add(main);
        files.add(csv(main, target.resolve("table.csv")));
        for (Map.Entry<String, Table> e : ResultTables.ablations(summaries).entrySet()) {
            tables.add(e.getValue());
            files.add(csv(e.getValue(), target.resolve("ablation-" + KeptTokenFigure.safe(e.getKey()) + ".csv")));
        }
        Map<String, Table> byCategory =
                ResultTables.categoryTables(summaries, RunResults.categories(records, typeOrder));
        StringBuilder mainMd = new StringBuilder(TableWriters.markdown(main));
        for (Map.Entry<String, Table> e : byCategory.entrySet()) {
            tables.add(e.getValue());
            mainMd.append(TableWriters.markdown(e.getValue()));
            files.add(csv(
                    e.getValue(), target.resolve("table-" + KeptTokenFigure.safe(e.getKey()) + "-by-category.csv")));
        }
        Map<String, List<PositionalBias.Profile>> bias = PositionalBias.profiles(
                records,
                RunResults.methodNames(RunResults.summaryRecords(records)),
                ResultTables.methodOrder(summaries));
        for (Map.Entry<String, List<PositionalBias.Profile>> e : bias.entrySet()) {
            Table t = PositionalBias.table(e.getKey(), e.getValue());
            tables.add(t);
            mainMd.append(TableWriters.markdown(t));
            files.add(csv(t, target.resolve("positional-bias-" + KeptTokenFigure.safe(e.getKey()) + ".csv")));
            Table rows = PositionalBias.rowTable(e.getKey(), e.getValue());
            if (rows != null) {
                tables.add(rows);
                files.add(csv(rows, target.resolve("kept-by-row-" + KeptTokenFigure.safe(e.getKey()) + ".csv")));
            }
        }
        Table code = CodeTable.of(records);
        if (code != null) {
            tables.add(code);
            files.add(csv(code, target.resolve("code.csv")));
        }
        StringBuilder md = new StringBuilder();
        tables.forEach(t -> md.append(TableWriters.markdown(t)));
        files.add(text(target.resolve("table.md"), md.toString()));

        List<String> images = new ArrayList<>();
        if (options.plots()) {
            images.addAll(ResultPlots.draw(summaries, target));
            for (Map.Entry<String, List<PositionalBias.Profile>> e : bias.entrySet()) {
                images.add(PositionalBias.draw(e.getKey(), e.getValue(), target));
            }
            if (options.heatmapSamples() > 0) {
                images.addAll(figures(
                        specs, RunDirectory.plannedModels(runDir), records, summaries, options, target, warnings));
            }
        }
        for (String image : images) {
            files.add(target.resolve(image));
            Path svg = target.resolve(image.replaceFirst("\\.png$", ".svg"));
            if (image.endsWith(".png") && Files.exists(svg)) {
                files.add(svg);
            }
        }
        files.add(text(target.resolve("table.html"), TableWriters.html("TransPrune Lab: " + runName, tables, images)));
        files.add(csv(summaries, target.resolve("summaries.csv")));
        return new Written(
                target,
                List.copyOf(tables),
                md.toString(),
                mainMd.toString(),
                List.copyOf(files),
                List.copyOf(warnings));
    }

    /** The kept-token figures of every benchmark whose records carry kept patches. */
    private static List<String> figures(
            List<BenchmarkSpec> specs,
            Map<String, JsonNode> plannedModels,
            List<RunRecord> records,
            Table summaries,
            Options options,
            Path target,
            List<String> warnings)
            throws IOException {
        Set<String> withPatches = new LinkedHashSet<>();
        for (RunRecord r : records) {
            if (r instanceof SampleRecord s && s.keptPatches() != null) {
                withPatches.add(s.benchmark());
            }
        }
        if (withPatches.isEmpty()) {
            return List.of();
        }
        List<String> methods = ResultTables.methodOrder(summaries);
        List<String> out = new ArrayList<>();
        for (String label : withPatches) {
            BenchmarkSpec spec = specs.stream()
                    .filter(s -> s.label().equals(label))
                    .findFirst()
                    .orElse(null);
            if (spec == null || spec.questions() == null || spec.images() == null) {
                warnings.add(label + ": no kept-token figures, the benchmark's question file or images are unknown");
                continue;
            }
            LoadedBenchmark bench;
            try {
                bench = LoadedBenchmark.load(spec);
            } catch (IOException | RuntimeException e) {
                warnings.add(label + ": no kept-token figures, cannot read its questions: " + e.getMessage());
                continue;
            }
            out.addAll(KeptTokenFigure.write(
                    records, summaries, methods, bench, plannedModels, options.heatmapSamples(), target, warnings));
        }
        return out;
    }

    private static Path csv(Table t, Path file) throws IOException {
        TableWriters.csv(t, file);
        return file;
    }

    private static Path text(Path file, String text) throws IOException {
        TableWriters.write(file, text);
        return file;
    }
}
