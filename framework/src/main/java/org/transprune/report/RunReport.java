package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.bench.JsonLines;
import org.transprune.bench.OnError;
import org.transprune.records.ResultsLog;
import org.transprune.run.BenchmarkSpec;
import org.transprune.run.ExperimentParser;
import org.transprune.run.LoadedBenchmark;
import org.transprune.run.RunDirectory;
import org.transprune.run.RunRecords;
import org.transprune.synth.SynthBenchmark;
import org.transprune.synth.SynthDataset;
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
 *   <li>{@code table.md} and {@code table.html}: all of these tables (main, ablations, by
 *       category), the HTML page with the figures;
 *   <li>{@code summaries.csv}: {@link RunResults#summaries} as is;
 *   <li>with plots: the charts of {@link ResultPlots} ({@code *.png}, {@code *.svg}) and, for
 *       benchmarks whose records carry kept patches, {@link KeptTokenFigure kept-token figures}
 *       {@code heatmaps/BENCHMARK-SAMPLE.png} for the first few samples.
 * </ul>
 * The figures need the benchmark's images: they are found through the experiment file the run
 * recorded in {@code plan.json} (or given by the caller), else, for the synthetic benchmark, in
 * the {@code images/} folder beside its recorded question file.
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
    static List<String> sharedLabels(List<ObjectNode> records) {
        Map<String, Set<String>> configsOfLabel = new java.util.TreeMap<>();
        for (ObjectNode r : records) {
            JsonNode label = r.path("configuration").path("label");
            if ("summary".equals(r.path("type").asText()) && r.has("config") && label.isTextual()) {
                // Seeds of one configuration are meant to share a row; anything else under one label and seed is not.
                configsOfLabel
                        .computeIfAbsent(
                                r.path("benchmark").asText() + "/" + label.asText() + " seed "
                                        + r.path("configuration").path("seed").asText(),
                                k -> new java.util.TreeSet<>())
                        .add(r.get("config").asText());
            }
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
        List<ObjectNode> records = new ArrayList<>(ResultsLog.read(runDir));
        if (options.configurations() != null) {
            records.removeIf(r -> r.has("config")
                    && !options.configurations().contains(r.get("config").asText()));
        }
        List<String> warnings = new ArrayList<>(sharedLabels(records));
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
        Map<String, Table> byCategory = ResultTables.categoryTables(summaries, RunResults.categories(records));
        StringBuilder mainMd = new StringBuilder(TableWriters.markdown(main));
        for (Map.Entry<String, Table> e : byCategory.entrySet()) {
            tables.add(e.getValue());
            mainMd.append(TableWriters.markdown(e.getValue()));
            files.add(csv(
                    e.getValue(), target.resolve("table-" + KeptTokenFigure.safe(e.getKey()) + "-by-category.csv")));
        }
        StringBuilder md = new StringBuilder();
        tables.forEach(t -> md.append(TableWriters.markdown(t)));
        files.add(text(target.resolve("table.md"), md.toString()));

        List<String> images = new ArrayList<>();
        if (options.plots()) {
            images.addAll(ResultPlots.draw(summaries, target));
            if (options.heatmapSamples() > 0) {
                images.addAll(figures(runDir, records, summaries, options, target, warnings));
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
            Path runDir, List<ObjectNode> records, Table summaries, Options options, Path target, List<String> warnings)
            throws IOException {
        Set<String> withPatches = new LinkedHashSet<>();
        for (ObjectNode r : records) {
            if (RunRecords.isSample(r) && r.path("kept_patches").isArray()) {
                withPatches.add(r.path("benchmark").asText());
            }
        }
        if (withPatches.isEmpty()) {
            return List.of();
        }
        List<BenchmarkSpec> specs =
                options.benchmarks() != null ? options.benchmarks() : benchmarkSpecs(runDir, warnings);
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
                    records, summaries, methods, bench, options.heatmapSamples(), target, warnings));
        }
        return out;
    }

    /**
     * The benchmarks of a run as its {@code plan.json} records them: the experiment file's entry
     * when the file still parses and names the same question file, else (synthetic benchmark
     * only) the dataset layout around the recorded question file.
     */
    static List<BenchmarkSpec> benchmarkSpecs(Path runDir, List<String> warnings) throws IOException {
        Path planFile = runDir.resolve(RunDirectory.PLAN);
        if (!Files.isRegularFile(planFile)) {
            warnings.add(runDir + " has no " + RunDirectory.PLAN + ": the benchmarks' images are unknown");
            return List.of();
        }
        JsonNode plan = JsonLines.MAPPER.readTree(planFile.toFile());
        Map<String, BenchmarkSpec> fromExperiment = new HashMap<>();
        try {
            ExperimentParser.parse(Path.of(plan.path("experiment").asText()), ExperimentParser.Mode.DRY_RUN)
                    .benchmarks()
                    .forEach(b -> fromExperiment.put(b.label(), b));
        } catch (RuntimeException e) {
            // moved or edited since: fall back to the recorded question files
        }
        List<BenchmarkSpec> out = new ArrayList<>();
        for (JsonNode b : plan.path("benchmarks")) {
            String label = b.path("label").asText();
            String recorded = b.path("questions").asText("null");
            if (recorded.equals("null")) {
                continue;
            }
            Path questions = Path.of(recorded).toAbsolutePath().normalize();
            BenchmarkSpec e = fromExperiment.get(label);
            if (e != null
                    && e.questions() != null
                    && e.questions().toAbsolutePath().normalize().equals(questions)) {
                out.add(e);
            } else if (SynthBenchmark.NAME.equals(b.path("name").asText()) && questions.getParent() != null) {
                Path root = questions.getParent();
                Path answers = root.resolve(SynthDataset.ANSWERS);
                out.add(new BenchmarkSpec(
                        label,
                        new SynthBenchmark(),
                        questions,
                        root.resolve(SynthDataset.IMAGES),
                        Files.exists(answers) ? answers : null,
                        b.has("limit") ? b.get("limit").asInt() : null,
                        OnError.SKIP));
            }
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
