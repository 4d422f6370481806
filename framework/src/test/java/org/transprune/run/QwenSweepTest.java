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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cli.CliRun;
import org.transprune.cost.CostModel;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.TinyQwen;
import org.transprune.pipeline.TinyQwenCheckpointDirs;

/**
 * A sweep on a tiny Qwen2.5-VL over images of four sizes: each record carries its own image-token count (smart
 * resize under the file's max_pixels, worked out by hand), its own TFLOPs, recall over its own tokens; summaries
 * average the samples' figures; max_pixels is part of the configuration's identity.
 */
class QwenSweepTest {
    @TempDir
    Path tmp;

    /**
     * {width, height, image tokens} under max_pixels 112 x 112: 120 x 50 rounds to 112 x 56 (4 x 2 tokens), 50 x 120
     * to 56 x 112, 56 x 56 stays (2 x 2), 84 x 40 rounds to 84 x 28 = 2352 < 3136 pixels and is scaled up by
     * sqrt(3136 / 3360) to ceil(2.9) x ceil(1.4) = 3 x 2 tokens.
     */
    private static final int[][] SIZES = {{120, 50, 8}, {50, 120, 8}, {56, 56, 4}, {84, 40, 6}};

    @Test
    void everySampleHasItsOwnTokenCountAndCostAndSummariesAverageThem() throws Exception {
        Path ckpt = TinyQwenCheckpointDirs.write(tmp.resolve("qwen"));
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
        Path f = tmp.resolve("qwen.yaml");
        Files.writeString(
                f,
                String.join(
                                "\n",
                                "model: {path: " + ckpt + ", device: cpu, weights: fp32, max_pixels: 12544}",
                                "benchmarks: [{name: synth, root: " + data + "}]",
                                "max_new_tokens: 2",
                                "strategies:",
                                "  - test-unpruned",
                                "  - {name: test-keep, params: {ratios: [0.5]}}",
                                "  - {name: test-first, params: {tokens: 3, merge: true}}",
                                "output: runs/qwen")
                        + "\n");
        CliRun dry = CliRun.execute("run", f.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.err());
        // priced at the most tokens max_pixels allows: 12544 / 784 = 16
        assertTrue(dry.out().contains("16 -> 8"), dry.out());

        CliRun r = CliRun.execute("run", f.toString(), "--no-progress");
        assertEquals(0, r.exit(), r.err() + r.out());
        Path out = tmp.resolve("runs/qwen");
        assertTrue(Files.size(out.resolve("report/table.md")) > 0);

        CostModel cost = CostModel.of(TinyQwen.config().text());
        Set<Integer> seen = new TreeSet<>();
        List<ObjectNode> records = RecordJson.read(out);
        String keepHash = null;
        List<Double> keepTflops = new ArrayList<>();
        for (ObjectNode rec : records) {
            if (!RecordJson.isSample(rec)) {
                continue;
            }
            int n = rec.path("image_tokens").asInt();
            seen.add(n);
            boolean keep = rec.path("strategy").asText().equals("test-keep");
            boolean first = rec.path("strategy").asText().equals("test-first");
            PruneSchedule schedule = keep
                    ? PruneSchedule.ofOriginalRatios(n, List.of(2), List.of(0.5))
                    : first ? new PruneSchedule(n, List.of(new PruneSchedule.Stage(0, 3))) : PruneSchedule.unpruned(n);
            if (first) {
                // before the decoder on Qwen2.5-VL: tokens 0 and 1 kept, the rest merged into one standing at 2
                assertEquals("[0,1,2]", rec.path("kept_patches").get(0).toString(), rec.toString());
                assertEquals(1, rec.path("recall").size(), rec.toString());
            }
            assertEquals(cost.totalFlops(schedule) / 1e12, rec.path("tflops").asDouble(), 1e-18, rec.toString());
            if (keep) {
                keepHash = rec.path("config").asText();
                keepTflops.add(rec.path("tflops").asDouble());
                assertEquals(n / 2, rec.path("kept_patches").get(0).size(), rec.toString());
                for (JsonNode p : rec.path("relevant_patches")) {
                    assertTrue(p.asInt() >= 0 && p.asInt() < n, rec.toString());
                }
                assertEquals(1, rec.path("recall").size(), rec.toString());
            }
        }
        assertEquals(Set.of(8, 4, 6), seen, "each image its own N");
        boolean summarised = false;
        for (ObjectNode rec : records) {
            if (RecordJson.isSummary(rec) && rec.path("config").asText().equals(keepHash)) {
                double mean = keepTflops.stream()
                        .mapToDouble(Double::doubleValue)
                        .average()
                        .orElseThrow();
                assertEquals(mean, rec.path("tflops").asDouble(), 1e-15, "the summary averages per-sample TFLOPs");
                summarised = true;
            }
        }
        assertTrue(summarised);
        SweepPlan plan = ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN);
        assertEquals(12544, plan.model().identity().get("max_pixels"));
        // the plan names each configuration's max_pixels, so a report of a partial run lays out its grids too
        Map<String, JsonNode> planned = RunDirectory.plannedModels(out);
        assertEquals(3, planned.size());
        assertTrue(planned.containsKey(keepHash));
        planned.values().forEach(m -> assertEquals(12544, m.path("max_pixels").asInt(), m.toString()));
    }
}
