package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.TensorType;
import org.transprune.pipeline.TinyCheckpointDirs;

/** The commands that open a checkpoint on a tiny LLaVA-NeXT: {@code --anyres}, {@code --max-length-cut}, {@code inspect}. */
class NextCommandsTest {
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

    private Path image(int w, int h) throws Exception {
        Path file = tmp.resolve("img-" + w + "x" + h + ".png");
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 37 + y * 11) * 0x010203);
            }
        }
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void generateReadsTheRuleSetOptionAndShowsIt() throws Exception {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 2, TensorType.F32, 3);
        Path img = image(5, 7);
        Run hf = run(
                "generate",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--image",
                img.toString(),
                "--prompt",
                "how many shapes ?",
                "--max-new-tokens",
                "2");
        assertEquals(0, hf.cli().exit(), hf.err());
        assertTrue(hf.err().contains("anyres hf"), hf.err());
        assertTrue(hf.err().contains("(28 image)"), hf.err()); // 16 + 4 x (2 + 1), by hand
        Run llava = run(
                "generate",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--image",
                img.toString(),
                "--prompt",
                "how many shapes ?",
                "--max-new-tokens",
                "2",
                "--anyres",
                "llava");
        assertEquals(0, llava.cli().exit(), llava.err());
        assertTrue(llava.err().contains("anyres llava"), llava.err());
        assertTrue(llava.err().contains("(46 image)"), llava.err()); // 16 + 6 x (4 + 1)
        Run cut = run(
                "generate",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--image",
                img.toString(),
                "--prompt",
                "how many shapes ?",
                "--max-new-tokens",
                "2",
                "--max-length-cut",
                "30");
        assertEquals(0, cut.cli().exit(), cut.err());
        assertTrue(cut.err().contains("# prompt 30 tokens"), cut.err());
    }

    @Test
    void badValuesAndAnyresOnASingleViewModelAreOneLineErrors() throws Exception {
        Path next = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 2, TensorType.F32, 3);
        Path plain = TinyCheckpointDirs.write(tmp.resolve("plain"));
        Run bad = run("generate", "--model", next.toString(), "--prompt", "hi", "--anyres", "pil");
        assertEquals(2, bad.cli().exit());
        assertTrue(bad.err().contains("--anyres") && bad.err().contains("hf or llava"), bad.err());
        Run single = run("generate", "--model", plain.toString(), "--prompt", "hi", "--anyres", "hf");
        assertEquals(2, single.cli().exit());
        assertTrue(single.err().contains("not a LLaVA-NeXT"), single.err());
        Run zero = run("generate", "--model", next.toString(), "--prompt", "hi", "--max-length-cut", "0");
        assertEquals(2, zero.cli().exit());
        assertTrue(zero.err().contains("--max-length-cut"), zero.err());
        Run pixels = run("generate", "--model", plain.toString(), "--prompt", "hi", "--max-pixels", "100000");
        assertEquals(2, pixels.cli().exit());
        assertTrue(pixels.err().contains("--max-pixels") && pixels.err().contains("not a Qwen2.5-VL"), pixels.err());
    }

    @Test
    void inspectShowsTheRuleSetAndDrawsBaseViewAndTiles() throws Exception {
        Path dir = TinyCheckpointDirs.writeNext(tmp.resolve("next"), 4, TensorType.F32, 3);
        Path out = tmp.resolve("inspect");
        Run r = run(
                "inspect",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--image",
                image(120, 50).toString(),
                "--prompt",
                "how many shapes ?",
                "--strategy",
                "test-keep",
                "--out",
                out.toString(),
                "--max-new-tokens",
                "2");
        assertEquals(0, r.cli().exit(), r.err());
        assertTrue(
                r.cli().out().contains("anyres: hf rules; 120x50 image -> 112x56 (1x2 tiles), 52 image tokens"),
                r.cli().out());
        assertTrue(Files.exists(out.resolve("stages.json")));
        assertTrue(Files.exists(out.resolve("stage-1-after-layer-2-base.png")));
        BufferedImage tiles =
                ImageIO.read(out.resolve("stage-1-after-layer-2-tiles.png").toFile());
        assertEquals(120 * 4, tiles.getWidth(), "drawn over the original image (scaled to at least 384 px)");
        assertEquals(50 * 4, tiles.getHeight());
    }
}
