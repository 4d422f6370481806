package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.QwenPresets;
import org.transprune.pipeline.TinyQwenCheckpointDirs;

/** The commands on Qwen2.5-VL: flops at an image size, make-checkpoint's plan, generate on a tiny checkpoint. */
class QwenCommandsTest {

    @Test
    void flopsPricesAQwenPresetAtAnImageSize() {
        CliRun r = CliRun.execute("flops", "--preset", "qwen2.5-vl-7b");
        assertEquals(0, r.exit(), r.err());
        // 672 x 672 under the default max_pixels: 24 x 24 = 576 tokens; 28 x (4nd^2 + 2n^2d + 3ndm) = 4.18 T
        assertTrue(r.out().contains("model qwen2.5-vl-7b: d=3584, m=18944, 28 layers, N=576 image tokens"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("unpruned\\s+576\\s+4\\.18\\s+100\\.0%.*")), r.out());
        // 1000 x 500: smart resize to 924 x 448, 33 x 16 = 528 tokens, 3.83 T
        r = CliRun.execute("flops", "--preset", "qwen2.5-vl-7b", "--image-size", "1000x500");
        assertTrue(r.out().lines().anyMatch(l -> l.matches("unpruned\\s+528\\s+3\\.83\\s+100\\.0%.*")), r.out());
        r = CliRun.execute(
                "flops", "--preset", "qwen2.5-vl-3b", "--image-size", "1000x500", "--max-pixels", "12845056");
        assertTrue(r.out().contains("d=2048, m=11008, 36 layers, N=648 image tokens"), r.out());
        r = CliRun.execute("flops", "--preset", "llava-1.5-7b", "--image-size", "10x10");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Qwen2.5-VL presets only"), r.err());
        r = CliRun.execute("flops", "--preset", "qwen2.5-vl-3b", "--image-size", "big");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("HEIGHTxWIDTH"), r.err());
    }

    @Test
    void makeCheckpointPlansTheReleased3bLayout(@TempDir Path tmp) {
        CliRun r = CliRun.execute(
                "make-checkpoint",
                "--preset",
                "qwen2.5-vl-3b",
                "--dry-run",
                tmp.resolve("q3").toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, long[]> shapes =
                CanonicalNames.qwenShapes(QwenPresets.get("qwen2.5-vl-3b").config());
        long elements = 0;
        for (long[] s : shapes.values()) {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            elements += n;
        }
        // 390 vision tensors + embeddings + 36 x 12 layer tensors + final norm; tied LM head
        assertEquals(824, shapes.size());
        assertTrue(
                r.out()
                        .startsWith(String.format(
                                java.util.Locale.ROOT,
                                "qwen2.5-vl-3b bf16, 36 decoder layers: 824 tensors, %.2f GB",
                                2 * elements / 1e9)),
                r.out());
    }

    @Test
    void generateAnswersWithATinyQwenCheckpoint(@TempDir Path tmp) throws Exception {
        Path dir = TinyQwenCheckpointDirs.write(tmp.resolve("qwen"));
        Path image = tmp.resolve("img.png");
        java.awt.image.BufferedImage img =
                new java.awt.image.BufferedImage(70, 126, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(img, "png", image.toFile());
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        CliRun r;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            r = CliRun.execute(
                    "generate",
                    "--model",
                    dir.toString(),
                    "--image",
                    image.toString(),
                    "--prompt",
                    "what color is the circle ?",
                    "--max-new-tokens",
                    "3",
                    "--device",
                    "cpu",
                    "--weights",
                    "fp32",
                    "--max-pixels",
                    String.valueOf(TinyQwenCheckpointDirs.MAX_PIXELS),
                    "--threads",
                    "1");
        } finally {
            System.setErr(old);
        }
        String log = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, r.exit(), r.err() + log);
        assertTrue(log.contains("(qwen2.5-vl)"), log);
        // 126 x 70 px -> 112 x 56 -> 4 x 2 merged tokens
        assertTrue(log.contains("tokens (8 image)"), log);
    }
}
