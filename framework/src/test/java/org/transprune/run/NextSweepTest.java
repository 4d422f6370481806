package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.TensorType;
import org.transprune.cli.CliRun;
import org.transprune.config.TextConfig;
import org.transprune.cost.CostModel;
import org.transprune.cost.PruneSchedule;
import org.transprune.pipeline.TinyCheckpointDirs;

/**
 * A sweep on a tiny LLaVA-NeXT over images of four sizes: every record carries its own image-token
 * count (worked out by hand under the {@code llava} rules the file asks for), its own TFLOPs and KV
 * figure, and recall over its own tokens; summaries average the samples' figures; provenance and the
 * configuration identity name the rule set.
 */
class NextSweepTest {
    @TempDir
    Path tmp;

    /** {width, height, image tokens under the llava rules}: 16 base + rows x (columns + 1). */
    private static final int[][] SIZES = {{120, 50, 52}, {50, 120, 56}, {56, 56, 36}, {5, 7, 46}};

    @Test
    void everySampleHasItsOwnTokenCountAndCostAndSummariesAverageThem() throws Exception {
        Path ckpt = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        Path data = tmp.resolve("synth");
        org.transprune.synth.SynthDataset.write(data, 5, 4, 2, org.transprune.synth.Split.TEST);
        List<Path> images;
        try (Stream<Path> files = Files.walk(data)) {
            images = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(4, images.size());
        for (int i = 0; i < images.size(); i++) {
            BufferedImage src = ImageIO.read(images.get(i).toFile());
            BufferedImage dst = new BufferedImage(SIZES[i][0], SIZES[i][1], BufferedImage.TYPE_INT_RGB);
            dst.getGraphics()
                    .drawImage(src.getScaledInstance(SIZES[i][0], SIZES[i][1], Image.SCALE_SMOOTH), 0, 0, null);
            ImageIO.write(dst, "png", images.get(i).toFile());
        }
        Path f = tmp.resolve("next.yaml");
        Files.writeString(
                f,
                String.join(
                                "\n",
                                "model: {path: " + ckpt + ", device: cpu, weights: fp32, anyres: llava}",
                                "benchmarks: [{name: synth, root: " + data + "}]",
                                "max_new_tokens: 2",
                                "strategies:",
                                "  - test-unpruned",
                                "  - {name: test-keep, params: {ratios: [0.5]}}",
                                "output: runs/next")
                        + "\n");
        CliRun dry = CliRun.execute("run", f.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.err());
        // priced at the nominal count of the cost convention: base view + the most tiles (4), 16 each
        assertTrue(dry.out().contains("80 -> 40"), dry.out());

        CliRun r = CliRun.execute("run", f.toString(), "--no-progress");
        assertEquals(0, r.exit(), r.err() + r.out());
        Path out = tmp.resolve("runs/next");
        assertTrue(Files.size(out.resolve("report/table.md")) > 0);

        TextConfig text = TinyCheckpointDirs.nextConfig(4).text();
        CostModel cost = CostModel.of(text);
        Set<Integer> seen = new TreeSet<>();
        List<ObjectNode> records = RecordJson.read(out);
        String keepHash = null;
        List<Double> keepTflops = new ArrayList<>();
        List<Double> keepTokens = new ArrayList<>();
        for (ObjectNode rec : records) {
            assertEquals("llava", rec.path("provenance").path("anyres").asText(), rec.toString());
            if (!RecordJson.isSample(rec)) {
                continue;
            }
            int n = rec.path("image_tokens").asInt();
            seen.add(n);
            boolean keep = rec.path("strategy").asText().equals("test-keep");
            PruneSchedule schedule =
                    keep ? PruneSchedule.ofOriginalRatios(n, List.of(2), List.of(0.5)) : PruneSchedule.unpruned(n);
            assertEquals(cost.totalFlops(schedule) / 1e12, rec.path("tflops").asDouble(), 1e-18, rec.toString());
            assertEquals(
                    cost.report(schedule, 2).kvCacheMiB(),
                    rec.path("kv_cache_mib").asDouble(),
                    1e-12,
                    rec.toString());
            assertEquals(
                    keep ? (double) cost.totalFlops(schedule) / cost.totalFlops(PruneSchedule.unpruned(n)) : 1.0,
                    rec.path("flops_ratio").asDouble(),
                    1e-12);
            if (keep) {
                keepHash = rec.path("config").asText();
                keepTflops.add(rec.path("tflops").asDouble());
                keepTokens.add((double) n);
                assertEquals(n / 2, rec.path("kept_patches").get(0).size(), rec.toString());
                for (JsonNode p : rec.path("relevant_patches")) {
                    assertTrue(p.asInt() >= 0 && p.asInt() < n, rec.toString());
                }
                assertEquals(1, rec.path("recall").size(), rec.toString());
            }
        }
        assertEquals(Set.of(52, 56, 36, 46), seen, "each image its own N under the llava rules");
        for (ObjectNode rec : records) {
            if (RecordJson.isSummary(rec) && rec.path("config").asText().equals(keepHash)) {
                double mean = keepTflops.stream()
                        .mapToDouble(Double::doubleValue)
                        .average()
                        .orElseThrow();
                assertEquals(mean, rec.path("tflops").asDouble(), 1e-15, "the summary averages per-sample TFLOPs");
                assertEquals(
                        keepTokens.stream()
                                .mapToDouble(Double::doubleValue)
                                .average()
                                .orElseThrow(),
                        rec.path("image_tokens_mean").asDouble(),
                        1e-12);
            }
        }
        // the rule set is part of the configuration's identity (it changes image-token counts)
        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN);
        assertEquals("llava", plan.model().identity().get("anyres"));
        assertEquals(
                org.transprune.image.AnyResRules.LLAVA,
                plan.model().pipelineOptions().anyRes());
    }

    @Test
    void badModelOptionsNameTheFileAndLine() throws Exception {
        Path ckpt = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 2, TensorType.F32, 3);
        Path plain = TinyCheckpointDirs.write(tmp.resolve("plain"));
        Path data = tmp.resolve("synth");
        org.transprune.synth.SynthDataset.write(data, 5, 1, 1, org.transprune.synth.Split.TEST);
        String rest = "\nbenchmarks: [{name: synth, root: " + data + "}]\nstrategies: [test-unpruned]\n";
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "model:\n  path: " + ckpt + "\n  anyres: pil\n  max_length_cut: 0" + rest);
        CliRun r = CliRun.execute("run", bad.toString(), "--dry-run");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.yaml:3: model.anyres") && r.err().contains("hf or llava"), r.err());
        assertTrue(r.err().contains("bad.yaml:4: model.max_length_cut: must be at least 1"), r.err());
        Path single = tmp.resolve("single.yaml");
        Files.writeString(single, "model:\n  path: " + plain + "\n  anyres: hf" + rest);
        CliRun s = CliRun.execute("run", single.toString(), "--dry-run");
        assertEquals(2, s.exit());
        assertTrue(s.err().contains("single.yaml:3: model.anyres") && s.err().contains("not LLaVA-NeXT"), s.err());
        // LLaVA-1.5 identities carry neither key: their hashes do not change
        Path ok = tmp.resolve("ok.yaml");
        Files.writeString(ok, "model:\n  path: " + plain + rest);
        SweepPlan plan = ExperimentParser.parse(ok, ExperimentParser.Mode.DRY_RUN);
        assertEquals(Set.of("checkpoint", "template"), plan.model().identity().keySet());
        Path cut = tmp.resolve("cut.yaml");
        Files.writeString(cut, "model:\n  path: " + ckpt + "\n  max_length_cut: 2048" + rest);
        SweepPlan cutPlan = ExperimentParser.parse(cut, ExperimentParser.Mode.DRY_RUN);
        assertEquals(2048, cutPlan.model().pipelineOptions().maxLengthCut());
        assertEquals("hf", cutPlan.model().identity().get("anyres"), "the layout's own rule set by default");
    }
}
