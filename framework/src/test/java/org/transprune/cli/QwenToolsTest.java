package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.model.TinyQwen;
import org.transprune.pipeline.TinyQwenCheckpointDirs;

/** {@code inspect} and {@code bench} on tiny Qwen2.5-VL checkpoints, opened by their config.json. */
class QwenToolsTest {
    @TempDir
    Path tmp;

    private record Run(CliRun cli, String err) {}

    private static Run run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CliRun r = CliRun.execute(args);
            return new Run(r, r.err() + err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    private Path greyImage(int width, int height) throws Exception {
        Path file = tmp.resolve("grey-" + width + "x" + height + ".png");
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, 0x808080);
            }
        }
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    private static double brightness(BufferedImage img, int x0, int y0, int x1, int y1) {
        double sum = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int rgb = img.getRGB(x, y);
                sum += ((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff);
            }
        }
        return sum / (3.0 * (x1 - x0) * (y1 - y0));
    }

    @Test
    void inspectShowsTheSmartResizeAndDrawsTheKeptTokensOnTheImage() throws Exception {
        Path dir = TinyQwenCheckpointDirs.write(tmp.resolve("qwen"));
        Path out = tmp.resolve("inspect");
        Run r = run(
                "inspect",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--threads",
                "1",
                "--max-pixels",
                String.valueOf(TinyQwenCheckpointDirs.MAX_PIXELS),
                "--image",
                greyImage(70, 126).toString(),
                "--prompt",
                "what color is the circle ?",
                "--strategy",
                "test-keep",
                "--param",
                "layers=[1]",
                "--param",
                "ratios=[0.5]",
                "--out",
                out.toString(),
                "--max-new-tokens",
                "2");
        String text = r.cli().out();
        assertEquals(0, r.cli().exit(), r.err() + text);
        assertTrue(text.contains("model: checkpoint " + dir), text);
        // 70 x 126 px (W x H): round(126 / 28) = 4.5 -> 4 (halves to even) rows of 28 px, round(70 / 28) = 2.5 -> 2
        assertTrue(
                text.contains("qwen2.5-vl: 70x126 image (WxH) -> smart resize to 56x112 (min_pixels 3136, max_pixels"
                        + " 12544, multiples of 28 px); patch grid (t, h, w) = (1, 8, 4) of 14 px patches;"
                        + " merged-token grid (t, h, w) = (1, 4, 2); 8 image tokens"),
                text);
        assertTrue(text.contains("stage 1 after layer 1: kept 4 of 8 candidate image tokens"), text);
        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("stages.json")));
        assertEquals(8, json.get("imageTokens").asInt());
        assertEquals(4, json.get("rows").asInt());
        assertEquals(2, json.get("columns").asInt());
        JsonNode tokens = json.get("stages").get(0).get("tokens");
        assertEquals(8, tokens.size());
        JsonNode last = tokens.get(7);
        assertEquals(7, last.get("patch").asInt());
        assertEquals(3, last.get("row").asInt());
        assertEquals(1, last.get("column").asInt());
        assertEquals(List.of(0, 1, 2, 3), ints(json.get("stages").get(0).get("keptPatches")));
        // drawn over the original image, scaled by ceil(384 / 126) = 4: the kept top two token rows stay bright
        BufferedImage png =
                ImageIO.read(out.resolve("stage-1-after-layer-1.png").toFile());
        assertEquals(70 * 4, png.getWidth());
        assertEquals(126 * 4, png.getHeight());
        int rowHeight = png.getHeight() / 4;
        double keptRow = brightness(png, 10, 10, png.getWidth() - 10, rowHeight - 10);
        double droppedRow = brightness(png, 10, 3 * rowHeight + 10, png.getWidth() - 10, png.getHeight() - 10);
        assertTrue(keptRow > droppedRow + 20, keptRow + " vs " + droppedRow);
        // the LLaVA-only option is refused on a Qwen2.5-VL checkpoint
        Run bad = run(
                "inspect",
                "--model",
                dir.toString(),
                "--anyres",
                "hf",
                "--strategy",
                "test-keep",
                "--image",
                greyImage(70, 126).toString(),
                "--prompt",
                "what ?",
                "--out",
                tmp.resolve("bad").toString());
        assertTrue(bad.err().contains("--anyres: " + dir + " is not a LLaVA-NeXT"), bad.err());
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** Per-layer FLOPs of the paper's convention, 4nd^2 + 2n^2d + 3ndm, on the tiny decoder (d = 64, m = 128). */
    private static double layerFlops(int n) {
        double d = 64;
        double m = 128;
        return 4 * n * d * d + 2.0 * n * n * d + 3 * n * d * m;
    }

    @Test
    void benchTimesA28LayerQwenUnderTheQwen7bSchedule() {
        Path dir = TinyQwenCheckpointDirs.write(tmp.resolve("q28"), TinyQwen.config(List.of(1), 28), false, 5);
        Run r = run(
                "bench",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--threads",
                "1",
                "--weights",
                "fp32",
                "--image-size",
                "112x168",
                "--repeats",
                "1",
                "--warmup",
                "0",
                "--new-tokens",
                "2");
        String text = r.cli().out();
        assertEquals(0, r.cli().exit(), r.err() + text);
        // 112 x 168 (H x W) is 4 x 6 tokens of 28 px; max_pixels defaults to the project's 451584, which keeps it
        assertTrue(text.contains("smart resize to 168x112 (min_pixels 3136, max_pixels 451584"), text);
        assertTrue(text.contains("merged-token grid (t, h, w) = (1, 4, 6); 24 image tokens"), text);
        Matcher prompt = Pattern.compile("prompt: (\\d+) tokens \\(24 image, \\d+ text\\)")
                .matcher(text);
        assertTrue(prompt.find(), text);
        int length = Integer.parseInt(prompt.group(1));
        assertTrue(text.contains("unpruned: image"), text);
        assertTrue(text.contains("tokens per layer [" + length + " x28]"), text);
        // qwen2.5-vl-7b's schedule: after layers 6, 8, 11 keep int(24 x 0.875) = 21, int(24 x 0.625) = 15, 3
        assertTrue(text.contains("transprune-schedule qwen2.5-vl-7b (random pick): image"), text);
        assertTrue(
                text.contains("tokens per layer [" + length + " x6, " + (length - 3) + " x2, " + (length - 9) + " x3, "
                        + (length - 21) + " x17]"),
                text);
        double unpruned = 28 * layerFlops(24);
        double pruned = 6 * layerFlops(24) + 2 * layerFlops(21) + 3 * layerFlops(15) + 17 * layerFlops(3);
        assertTrue(
                text.contains(String.format(Locale.ROOT, "ratio %.4f", pruned / unpruned)),
                String.format(Locale.ROOT, "%.4f", pruned / unpruned) + "\n" + text);
        assertTrue(text.contains(String.format(Locale.ROOT, "theoretical %.2fx", unpruned / pruned)), text);
        assertTrue(text.contains("peak RSS (VmHWM)"), text);
    }

    @Test
    void benchTakesAStrategyAndTheImagesMaxPixels() {
        Path dir = TinyQwenCheckpointDirs.write(tmp.resolve("q4"));
        Run r = run(
                "bench",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--threads",
                "1",
                "--weights",
                "fp32",
                "--image-size",
                "224x336",
                "--max-pixels",
                String.valueOf(28 * 28 * 24),
                "--strategy",
                "test-keep",
                "--param",
                "layers=[2]",
                "--param",
                "ratios=[0.5]",
                "--repeats",
                "1",
                "--warmup",
                "0",
                "--new-tokens",
                "2");
        String text = r.cli().out();
        assertEquals(0, r.cli().exit(), r.err() + text);
        // 224 x 336 over max_pixels 18816: scaled down by 2, 4 x 6 = 24 tokens
        assertTrue(text.contains("smart resize to 168x112 (min_pixels 3136, max_pixels 18816"), text);
        assertTrue(text.contains("; 24 image tokens"), text);
        assertTrue(text.contains("test-keep: image"), text);
        double unpruned = 4 * layerFlops(24);
        double pruned = 2 * layerFlops(24) + 2 * layerFlops(12);
        assertTrue(text.contains(String.format(Locale.ROOT, "ratio %.4f", pruned / unpruned)), text);
        // without --strategy, a depth with no Qwen schedule skips the pruned runs and says why
        Run plain = run(
                "bench",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--threads",
                "1",
                "--weights",
                "fp32",
                "--image-size",
                "56x56",
                "--repeats",
                "1",
                "--warmup",
                "0",
                "--new-tokens",
                "1");
        assertEquals(0, plain.cli().exit(), plain.err());
        assertTrue(
                plain.cli()
                        .out()
                        .contains("pruned runs skipped: no TransPrune Qwen2.5-VL schedule for 4 decoder layers"),
                plain.cli().out());
    }
}
