package org.transprune.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.transprune.bench.JsonLines;
import org.transprune.records.ResultsLog;

/**
 * The layout of a run directory:
 * <ul>
 *   <li>{@code results.jsonl}: the records ({@link ResultsLog}, {@link RunRecords});
 *   <li>{@code plan.json}: the experiment file it came from and the expanded configurations;
 *   <li>{@code predictions/HASH-STRATEGY/BENCHMARK.jsonl}: answers in LLaVA's format, rebuilt
 *       from the records whenever a configuration finishes (so they are never half-written).
 * </ul>
 */
public final class RunDirectory {
    public static final String PLAN = "plan.json";
    public static final String PREDICTIONS = "predictions";

    private RunDirectory() {}

    /** Writes {@code plan.json} (atomically: a reader never sees half of it). */
    public static void writePlan(Path dir, SweepPlan plan, Shard shard) throws IOException {
        ObjectNode o = JsonLines.MAPPER.createObjectNode();
        o.put("experiment", plan.source().toString());
        o.put("name", plan.name());
        o.put("shard", shard.toString());
        ArrayNode configs = o.putArray("configurations");
        for (RunConfiguration c : plan.configurations()) {
            ObjectNode n = RunRecords.configuration(c);
            n.put("hash", c.hash());
            configs.add(n);
        }
        ArrayNode benches = o.putArray("benchmarks");
        for (BenchmarkSpec b : plan.benchmarks()) {
            ObjectNode n = benches.addObject();
            n.put("label", b.label());
            n.put("name", b.benchmark().name());
            n.put("questions", String.valueOf(b.questions()));
            if (b.limit() != null) {
                n.put("limit", b.limit());
            }
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
        return Path.of(
                JsonLines.MAPPER.readTree(plan.toFile()).path("experiment").asText());
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
