package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.JsonLines;
import org.transprune.cli.Main;

/**
 * fp16 compute on the micro model against fp32, through the real sweep: the first questions of the default
 * split (experiments/default.yaml's benchmark and strategies), answered under every strategy in fp32 and in
 * fp16. Greedy answers must agree on at least {@value #ANSWER_BAR} of questions under every strategy and the
 * kept sets overlap at least {@value #OVERLAP_BAR} (mean intersection over the fp32 set, every stage).
 *
 * <p>libtorch's fp16 matmul is slow on a CPU, so the suite runs {@value #DEFAULT_IMAGES} images (twice as many
 * questions); the full split (200 images, 400 questions) is a bench:
 * {@code ./mvnw -o -pl strategies -am test -Dtest=Fp16MicroModelTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dfp16.images=200} (prints the figures; docs/gpu.md records them).
 */
class Fp16MicroModelTest {
    static final double ANSWER_BAR = 0.98;
    static final double OVERLAP_BAR = 0.95;
    static final int DEFAULT_IMAGES = 3;

    @TempDir
    Path tmp;

    @Test
    void fp16AnswersAndKeptSetsMatchFp32OnTheDefaultSplit() throws IOException {
        int images = Integer.getInteger("fp16.images", DEFAULT_IMAGES);
        Map<String, JsonNode> fp32 = run("fp32", images);
        Map<String, JsonNode> fp16 = run("fp16", images);
        assertEquals(fp32.keySet(), fp16.keySet());
        assertEquals(2 * images * 10, fp32.size());
        compare(fp32, fp16, String.format(Locale.ROOT, "first %d questions of the default split", 2 * images));
    }

    /**
     * The bench over existing runs: {@code -Dfp16.compare=FP32_DIR,FP16_DIR} (e.g. results/default and a run
     * of experiments/micro-llava-fp16.yaml, whole or one shard) compares every sample the fp16 run holds.
     */
    @Test
    void existingRunsCompare() throws IOException {
        String dirs = System.getProperty("fp16.compare");
        Assumptions.assumeTrue(dirs != null, "set -Dfp16.compare=FP32_DIR,FP16_DIR");
        String[] d = dirs.split(",");
        Map<String, JsonNode> fp32 = records(Path.of(d[0]));
        Map<String, JsonNode> fp16 = records(Path.of(d[1]));
        fp32.keySet().retainAll(fp16.keySet());
        assertEquals(fp16.keySet(), fp32.keySet(), "the fp32 run lacks samples of the fp16 run");
        compare(fp32, fp16, fp16.size() + " samples of " + d[1]);
    }

    private static void compare(Map<String, JsonNode> fp32, Map<String, JsonNode> fp16, String what) {
        Map<String, int[]> agree = new TreeMap<>(); // strategy -> {equal answers, questions}
        Map<String, double[]> overlap = new TreeMap<>(); // strategy -> {sum of overlaps, stages}
        for (Map.Entry<String, JsonNode> e : fp32.entrySet()) {
            JsonNode a = e.getValue();
            JsonNode b = fp16.get(e.getKey());
            String strategy = a.get("strategy").asText();
            int[] c = agree.computeIfAbsent(strategy, k -> new int[2]);
            c[0] += a.get("answer").asText().equals(b.get("answer").asText()) ? 1 : 0;
            c[1]++;
            JsonNode ka = a.get("kept_patches");
            JsonNode kb = b.get("kept_patches");
            assertEquals(ka.size(), kb.size(), "stages of " + e.getKey());
            for (int s = 0; s < ka.size(); s++) {
                Set<Integer> x = new HashSet<>();
                ka.get(s).forEach(n -> x.add(n.asInt()));
                int common = 0;
                for (JsonNode n : kb.get(s)) {
                    common += x.contains(n.asInt()) ? 1 : 0;
                }
                assertEquals(ka.get(s).size(), kb.get(s).size(), "kept count of " + e.getKey() + " stage " + s);
                double[] o = overlap.computeIfAbsent(strategy, k -> new double[2]);
                o[0] += x.isEmpty() ? 1 : (double) common / x.size();
                o[1]++;
            }
        }
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "fp16 vs fp32, micro model, %s:%n", what));
        for (String s : agree.keySet()) {
            int[] c = agree.get(s);
            double[] o = overlap.getOrDefault(s, new double[] {0, 0});
            report.append(String.format(
                    Locale.ROOT,
                    "  %-12s answers equal %d/%d (%.1f%%)  kept overlap %s%n",
                    s,
                    c[0],
                    c[1],
                    100.0 * c[0] / c[1],
                    o[1] == 0 ? "n/a (unpruned)" : String.format(Locale.ROOT, "%.2f%%", 100 * o[0] / o[1])));
        }
        System.out.print(report);
        for (String s : agree.keySet()) {
            int[] c = agree.get(s);
            assertTrue((double) c[0] / c[1] >= ANSWER_BAR, report.toString());
            double[] o = overlap.get(s);
            if (o != null) {
                assertTrue(o[0] / o[1] >= OVERLAP_BAR, report.toString());
            }
        }
    }

    /** Sample records by (strategy, sample) of the default experiment's strategies computed in {@code dtype}. */
    private Map<String, JsonNode> run(String dtype, int images) throws IOException {
        Path experiments = Path.of("..", "experiments").toAbsolutePath().normalize();
        Path data = tmp.resolve("synth-test");
        Path out = tmp.resolve("out-" + dtype);
        Path f = tmp.resolve(dtype + ".yaml");
        String strategies = Files.readString(experiments.resolve("default.yaml"))
                .lines()
                .filter(l -> l.startsWith("  - {name:"))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals(10, strategies.lines().count(), strategies);
        Files.writeString(
                f,
                String.join(
                        "\n",
                        "name: fp16-check-" + dtype,
                        "model: {path: " + experiments.resolve("micro-llava") + ", device: cpu, weights: fp32, dtype: "
                                + dtype + ", threads: 1}",
                        "benchmarks:",
                        "  - {name: synth, label: synth, root: " + data + ", generate: {seed: 2026, images: " + images
                                + ", questions_per_image: 2, split: test}}",
                        "strategies:",
                        strategies + "seeds: [0]",
                        "max_new_tokens: 4",
                        "output: " + out,
                        ""));
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute("run", f.toString(), "--no-progress", "--no-report");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, err.toString());
        return records(out);
    }

    /** Sample records of a run directory by (strategy, sample). */
    private static Map<String, JsonNode> records(Path out) throws IOException {
        Map<String, JsonNode> records = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out.resolve("results.jsonl"))) {
            JsonNode n = JsonLines.MAPPER.readTree(line);
            if ("sample".equals(n.path("type").asText())) {
                records.put(n.get("strategy").asText() + "/" + n.get("sample").asText(), n);
            }
        }
        return records;
    }
}
