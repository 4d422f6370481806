package org.transprune.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.transprune.bench.Benchmark;
import org.transprune.bench.Benchmarks;
import org.transprune.bench.JsonLines;
import org.transprune.bench.OnError;
import org.transprune.records.Records;

/**
 * The layout of a run directory:
 * <ul>
 *   <li>{@code results.jsonl}: the records ({@link org.transprune.records.ResultsLog}, {@link org.transprune.records.Records});
 *   <li>{@code plan.json}: the experiment file it came from, the expanded configurations and each benchmark's files
 *       (questions, images, annotations), so a report needs nothing else;
 *   <li>{@code .lock}: the {@link org.transprune.records.RunLock} of the process writing it;
 *   <li>{@code predictions/HASH-STRATEGY/BENCHMARK.jsonl}: answers in LLaVA's format, rebuilt
 *       from the records whenever a configuration finishes (so they are never half-written).
 * </ul>
 */
public final class RunDirectory {
    public static final String PLAN = "plan.json";
    public static final String PREDICTIONS = "predictions";
    private static final String IMAGES = "images";
    private static final String ANNOTATIONS = "annotations";

    private RunDirectory() {}

    /** Writes {@code plan.json} (atomically: a reader never sees half of it). */
    public static void writePlan(Path dir, SweepPlan plan, Shard shard) throws IOException {
        ObjectNode o = JsonLines.MAPPER.createObjectNode();
        o.put("experiment", recorded(dir, plan.source()));
        o.put("name", plan.name());
        o.put("shard", shard.toString());
        ArrayNode configs = o.putArray("configurations");
        for (RunConfiguration c : plan.configurations()) {
            ObjectNode n = Records.MAPPER.valueToTree(RunRecords.configuration(c));
            n.put("hash", c.hash());
            configs.add(n);
        }
        ArrayNode benches = o.putArray("benchmarks");
        for (BenchmarkSpec b : plan.benchmarks()) {
            ObjectNode n = benches.addObject();
            n.put("label", b.label());
            n.put("name", b.benchmark().name());
            n.put("questions", b.questions() == null ? "null" : recorded(dir, b.questions()));
            if (b.limit() != null) {
                n.put("limit", b.limit());
            }
            // Every file a report needs, so reports never parse the experiment or open the model.
            n.put(IMAGES, b.images() == null ? null : recorded(dir, b.images()));
            n.put(ANNOTATIONS, b.annotations() == null ? null : recorded(dir, b.annotations()));
            n.put("on_error", b.onError().name().toLowerCase(Locale.ROOT));
        }
        writeAtomically(
                dir.resolve(PLAN),
                JsonLines.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
    }

    /** The experiment file a run directory was made from, as recorded in its plan. */
    public static Path experimentOf(Path dir) throws IOException {
        Path plan = dir.resolve(PLAN);
        if (!Files.isRegularFile(plan)) {
            throw new IOException(dir + " is not a run directory (no " + PLAN + ")");
        }
        return resolved(
                dir, JsonLines.MAPPER.readTree(plan.toFile()).path("experiment").asText());
    }

    /**
     * The model section of every configuration the run's {@code plan.json} plans, by configuration hash (the
     * {@code model} object a summary record's configuration carries too), so a report can read a configuration's
     * model settings before its summary record exists. Empty without a plan.
     */
    public static Map<String, JsonNode> plannedModels(Path dir) throws IOException {
        Path planFile = dir.resolve(PLAN);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(planFile)) {
            return out;
        }
        for (JsonNode c : JsonLines.MAPPER.readTree(planFile.toFile()).path("configurations")) {
            if (c.hasNonNull("hash") && c.hasNonNull("model")) {
                out.put(c.get("hash").asText(), c.get("model"));
            }
        }
        return out;
    }

    /**
     * The benchmarks of a run as its {@code plan.json} records them, with every file a report needs. A plan written
     * before plans recorded images and annotations gives the benchmark's default layout around its question file (the
     * question file's default path relative to the data root), with a warning.
     *
     * @param warnings where to say what could not be found
     */
    public static List<BenchmarkSpec> benchmarks(Path dir, List<String> warnings) throws IOException {
        Path planFile = dir.resolve(PLAN);
        if (!Files.isRegularFile(planFile)) {
            warnings.add(dir + " has no " + PLAN + ": the benchmarks' files are unknown");
            return List.of();
        }
        JsonNode plan = JsonLines.MAPPER.readTree(planFile.toFile());
        List<BenchmarkSpec> out = new ArrayList<>();
        for (JsonNode b : plan.path("benchmarks")) {
            String label = b.path("label").asText();
            String recorded = b.path("questions").asText("null");
            Benchmark bench;
            try {
                bench = Benchmarks.get(b.path("name").asText());
            } catch (IllegalArgumentException e) {
                warnings.add(planFile + ": benchmark " + label + ": " + e.getMessage());
                continue;
            }
            if (recorded.equals("null")) {
                continue;
            }
            Path questions = resolved(dir, recorded);
            Path images;
            Path annotations;
            if (b.has(IMAGES)) {
                images = b.hasNonNull(IMAGES) ? resolved(dir, b.get(IMAGES).asText()) : null;
                annotations = b.hasNonNull(ANNOTATIONS)
                        ? resolved(dir, b.get(ANNOTATIONS).asText())
                        : null;
            } else {
                Path root = dataRoot(questions, bench.defaultQuestionFile());
                if (root == null) {
                    warnings.add(planFile + ": benchmark " + label + " (a plan of an older version) records no images"
                            + " and its question file is not at its default place; rerun to record them");
                    continue;
                }
                warnings.add(planFile + ": benchmark " + label + " (a plan of an older version): images and"
                        + " annotations taken from the default layout under " + root);
                images = bench.defaultImageFolder() == null ? null : root.resolve(bench.defaultImageFolder());
                Path a = bench.defaultAnnotations() == null ? null : root.resolve(bench.defaultAnnotations());
                annotations = a != null && Files.exists(a) ? a : null;
            }
            out.add(new BenchmarkSpec(
                    label,
                    bench,
                    questions,
                    images,
                    annotations,
                    b.has("limit") ? b.get("limit").asInt() : null,
                    OnError.valueOf(b.path("on_error").asText("skip").toUpperCase(Locale.ROOT))));
        }
        return out;
    }

    /**
     * How {@code plan.json} records a file: relative to the run directory when both lie in the same git checkout
     * (so a committed run directory, e.g. the reference results, reads the same and is rewritten byte for byte in
     * every clone), otherwise as an absolute path. {@link #resolved} reads either back.
     */
    static String recorded(Path dir, Path file) {
        Path d = dir.toAbsolutePath().normalize();
        Path f = file.toAbsolutePath().normalize();
        Path root = checkoutRoot(d);
        return root != null && f.startsWith(root) ? d.relativize(f).toString() : f.toString();
    }

    /** A path {@code plan.json} recorded ({@link #recorded}), made absolute against the run directory. */
    static Path resolved(Path dir, String recorded) {
        return dir.toAbsolutePath().normalize().resolve(recorded).normalize();
    }

    /** The nearest directory at or above {@code dir} holding {@code .git} (a checkout's root), or null. */
    private static Path checkoutRoot(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"))) {
                return p;
            }
        }
        return null;
    }

    /** The data root a question file sits under at its default relative path, or null when it does not. */
    private static Path dataRoot(Path questions, String defaultQuestionFile) {
        Path q = questions.toAbsolutePath().normalize();
        Path rel = Path.of(defaultQuestionFile).normalize();
        if (!q.endsWith(rel)) {
            return null;
        }
        Path root = q;
        for (int i = 0; i < rel.getNameCount(); i++) {
            root = root.getParent();
        }
        return root;
    }

    /** The predictions file of one configuration on one benchmark. */
    public static Path predictionsFile(Path dir, RunConfiguration config, String benchmark) {
        return dir.resolve(PREDICTIONS)
                .resolve(config.hash() + "-" + safe(config.strategy()))
                .resolve(safe(benchmark) + ".jsonl");
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Writes {@code text} to a temporary file beside {@code file} and renames it over {@code file}. */
    public static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
