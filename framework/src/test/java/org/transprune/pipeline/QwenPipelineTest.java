package org.transprune.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.model.DeviceChoice;
import org.transprune.model.TinyQwen;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.text.QwenPrompt;

/** A tiny Qwen2.5-VL checkpoint written by the project answers through the pipeline, pruned and unpruned. */
class QwenPipelineTest {

    private static QwenPipeline.Options cpu() {
        return new QwenPipeline.Options(DeviceChoice.CPU, WeightPolicy.FP32, null, null, null)
                .withMaxPixels(TinyQwenCheckpointDirs.MAX_PIXELS);
    }

    private static RgbImage image() {
        // 126 x 70 (h x w): smart resize to 112 x 56, 4 x 2 merged tokens
        RgbImage img = RgbImage.filled(70, 126, 200, 30, 30);
        for (int y = 40; y < 80; y++) {
            for (int x = 10; x < 50; x++) {
                img.set(x, y, 2, 240);
            }
        }
        return img;
    }

    @Test
    void rendersTheQwenChatFormat() {
        assertEquals(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                        + "<|vision_start|><|image_pad|><|vision_end|>what color is the circle ?<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                QwenPrompt.render("what color is the circle ?", true));
    }

    @Test
    void answersWithTheImageBlockBetweenVisionStartAndEnd(@TempDir Path tmp) {
        Path dir = TinyQwenCheckpointDirs.write(tmp.resolve("qwen"));
        try (QwenPipeline p = QwenPipeline.open(dir, cpu().withMaxPixels(null))) {
            // the project's default max_pixels when none is given
            assertEquals(576 * 28 * 28, p.processor().maxPixels());
        }
        try (QwenPipeline p = QwenPipeline.open(dir, cpu())) {
            assertEquals(Set.of(95, 93), p.stopTokens());
            var a = p.answer("what color is the circle ?", image(), null, 0, 4);
            assertNotNull(a.text());
            int[] ids = a.prompt().ids();
            assertEquals(8, a.prompt().imageLength());
            int start = a.prompt().imageStart();
            assertEquals(94, ids[0], "<|im_start|> first, no BOS");
            assertEquals(97, ids[start - 1], "<|vision_start|> before the image");
            assertEquals(98, ids[start + 8], "<|vision_end|> after it");
            for (int i = start; i < start + 8; i++) {
                assertEquals(99, ids[i]);
            }
            assertEquals(ids.length, a.generation().prefill().tokensPerLayer()[0]);
            // origins: 4 rows x 2 columns of merged blocks
            List<TokenOrigin> origins = p.origins(126, 70).all();
            assertEquals(8, origins.size());
            assertEquals(3, origins.get(7).row());
            assertEquals(1, origins.get(7).column());
            assertEquals(0.5, origins.get(7).x0(), 1e-12);
            // text only
            var text = p.answer("what color is the circle ?", null, null, 0, 2);
            assertEquals(0, text.prompt().imageLength());
        }
    }

    @Test
    void bothLayoutsAnswerAlikeAndPruningKeepsTheScheduledTokens(@TempDir Path tmp) {
        Path released = TinyQwenCheckpointDirs.write(tmp.resolve("a"), TinyQwen.config(), false, 3);
        Path nested = TinyQwenCheckpointDirs.write(tmp.resolve("b"), TinyQwen.config(), true, 3);
        PruningStrategy keepHalf = Strategies.create("test-keep", Map.of("layers", List.of(1), "ratios", List.of(0.5)));
        try (QwenPipeline a = QwenPipeline.open(released, cpu());
                QwenPipeline b = QwenPipeline.open(nested, cpu())) {
            var x = a.answer("what color is the circle ?", image(), null, 0, 3);
            var y = b.answer("what color is the circle ?", image(), null, 0, 3);
            // the same weights from files laid out differently: products may differ in the last bit (alignment)
            assertArrayEquals(
                    x.generation().prefill().logits(), y.generation().prefill().logits(), 1e-5f);
            assertArrayEquals(x.generation().tokens(), y.generation().tokens());
            var pruned = a.answer("what color is the circle ?", image(), keepHalf, 0, 3);
            int[] perLayer = pruned.generation().prefill().tokensPerLayer();
            int length = pruned.prompt().length();
            assertEquals(length, perLayer[0]);
            assertEquals(length - 4, perLayer[1], Arrays.toString(perLayer));
            assertEquals(1, pruned.run().stages().size());
            assertArrayEquals(
                    new int[] {0, 1, 2, 3}, pruned.run().stages().get(0).keptPatches());
        }
    }

    @Test
    void aLlavaDirectoryIsNotOpenedAsQwen(@TempDir Path tmp) {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("llava"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> QwenPipeline.open(dir, cpu()));
        assertTrue(e.getMessage().contains("model_type"), e.getMessage());
    }
}
