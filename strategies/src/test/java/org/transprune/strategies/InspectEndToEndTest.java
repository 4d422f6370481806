package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.TensorType;
import org.transprune.cli.Main;
import org.transprune.pipeline.TinyCheckpointDirs;
import picocli.CommandLine;

/** {@code transprune inspect} on a real (tiny) checkpoint with the real TransPrune strategy. */
class InspectEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void writesPerStageScoresKeptPatchesAndHeatmaps() throws Exception {
        Path model = TinyCheckpointDirs.write(tmp.resolve("ckpt"), 6, TensorType.F32, 4);
        Path image = tmp.resolve("scene.png");
        ImageIO.write(new BufferedImage(336, 336, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        Path out = tmp.resolve("inspect");
        StringWriter stdout = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(stdout, true));
        int exit = cl.execute(
                "inspect",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                "--image",
                image.toString(),
                "--prompt",
                "how many shapes ?",
                "--out",
                out.toString(),
                "--strategy",
                "transprune",
                "--param",
                "layers=[2,4]",
                "--param",
                "ratios=[0.5,0.25]",
                "--param",
                "window=[1,4]");
        assertEquals(0, exit, stdout.toString());
        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("stages.json")));
        JsonNode stages = json.get("stages");
        assertEquals(2, stages.size(), json.toPrettyString());
        // 16 image tokens: the first stage chooses among 16 and keeps int(16 * 0.5) = 8, the second keeps 4 of those 8
        assertEquals(16, stages.get(0).get("candidates").asInt());
        assertEquals(8, stages.get(0).get("keptPatches").size(), stages.get(0).toString());
        assertEquals(8, stages.get(1).get("candidates").asInt());
        assertEquals(4, stages.get(1).get("keptPatches").size(), stages.get(1).toString());
        // every candidate token carries its scores, and exactly the kept ones are marked
        long marked = 0;
        for (JsonNode t : stages.get(0).get("tokens")) {
            assertTrue(t.has("ttv") && t.has("iga") && t.has("score"), t.toString());
            marked += t.get("kept").asBoolean() ? 1 : 0;
        }
        assertEquals(8, marked);
        try (var pngs = Files.list(out)) {
            assertTrue(pngs.filter(p -> p.toString().endsWith(".png")).count() >= 2, "one heatmap per stage");
        }
    }

    @Test
    void inspectFollowsAChainFromTheProjectorStage() throws Exception {
        Path model = TinyCheckpointDirs.write(tmp.resolve("ckpt"), 6, TensorType.F32, 4);
        Path image = tmp.resolve("scene.png");
        ImageIO.write(new BufferedImage(336, 336, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        Path out = tmp.resolve("inspect-chain");
        StringWriter stdout = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(stdout, true));
        int exit = cl.execute(
                "inspect",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                "--image",
                image.toString(),
                "--prompt",
                "how many shapes ?",
                "--out",
                out.toString(),
                "--strategy",
                "visionzip+transprune",
                "--param",
                "visionzip.tokens=8",
                "--param",
                "transprune.layers=[2,4]",
                "--param",
                "transprune.ratios=[0.5,0.25]",
                "--param",
                "transprune.window=[1,4]");
        assertEquals(0, exit, stdout.toString());
        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("stages.json")));
        assertEquals("after [0, 2, 4]: 16 -> 8 -> 4 -> 2", json.get("schedule").asText());
        JsonNode stages = json.get("stages");
        assertEquals(3, stages.size(), json.toPrettyString());
        // VisionZip lets 8 tokens in: CLS, 6 dominant patches and 1 contextual token covering the other 10.
        assertEquals(0, stages.get(0).get("afterLayer").asInt());
        assertEquals(16, stages.get(0).get("candidates").asInt());
        assertEquals(8, stages.get(0).get("keep").asInt());
        assertEquals(8, stages.get(0).get("tokenPatches").size());
        // kept patches: where the tokens stand (6 dominant patches, the contextual token's anchor; CLS none)
        assertEquals(7, stages.get(0).get("keptPatches").size(), stages.get(0).toString());
        int covered = 0;
        for (JsonNode token : stages.get(0).get("tokenPatches")) {
            covered += token.size();
        }
        assertEquals(16, covered, "together the 8 tokens cover the image");
        assertEquals(4, stages.get(1).get("keep").asInt());
        assertEquals(2, stages.get(2).get("keep").asInt());
        try (var pngs = Files.list(out)) {
            assertTrue(pngs.filter(p -> p.toString().endsWith(".png")).count() >= 3, "one heatmap per stage");
        }
    }
}
