package org.transprune.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Qwen2-VL's image processor: smart-resize sizes worked out from the reference's rules, and the patch order. */
class QwenImageProcessorTest {

    private static int[] resize(int h, int w, int maxPixels) {
        return QwenImageProcessor.smartResize(h, w, 28, QwenImageProcessor.MIN_PIXELS, maxPixels);
    }

    @Test
    void roundsHalvesToEvenAsPythonDoes() {
        // 126 / 28 = 4.5 -> 4 and 70 / 28 = 2.5 -> 2 (Math.round would give 5 and 3: 140 x 84)
        assertArrayEquals(new int[] {112, 56}, resize(126, 70, QwenImageProcessor.CPU_MAX_PIXELS));
        // 42 / 28 = 1.5 -> 2 (even): 56 x 56
        assertArrayEquals(new int[] {56, 56}, resize(42, 42, QwenImageProcessor.CPU_MAX_PIXELS));
    }

    @Test
    void sizesAndTokenCountsOfSeveralShapes() {
        int cpu = QwenImageProcessor.CPU_MAX_PIXELS;
        // already multiples of 28 within the bounds: unchanged; 224 x 224 -> 8 x 8 tokens
        assertArrayEquals(new int[] {224, 224}, resize(224, 224, cpu));
        assertEquals(64, QwenImageProcessor.defaults().imageTokens(224, 224));
        // 375 x 500 (h x w): 13.39 -> 13, 17.86 -> 18: 364 x 504, 13 x 18 = 234 tokens
        assertArrayEquals(new int[] {364, 504}, resize(375, 500, cpu));
        assertEquals(234, QwenImageProcessor.defaults().imageTokens(375, 500));
        // 1000 x 500 rounds to 1008 x 504 = 508,032 > 451,584: beta = sqrt(500,000 / 451,584) = 1.0522,
        // floor(950.35 / 28) = 33 -> 924, floor(475.18 / 28) = 16 -> 448: 33 x 16 = 528 tokens
        assertArrayEquals(new int[] {924, 448}, resize(1000, 500, cpu));
        assertEquals(528, QwenImageProcessor.defaults().imageTokens(1000, 500));
        // with the published max_pixels the same image keeps its rounded size: 36 x 18 = 648 tokens
        assertArrayEquals(new int[] {1008, 504}, resize(1000, 500, QwenImageProcessor.REFERENCE_MAX_PIXELS));
        // 1080 x 1920 is scaled down to at most 576 tokens: 18 x 32
        assertArrayEquals(new int[] {504, 896}, resize(1080, 1920, cpu));
        // 20 x 20 rounds to 28 x 28 = 784 < 3136: beta = 2.8, ceil(56 / 28) = 2 -> 56 x 56, 4 tokens
        assertArrayEquals(new int[] {56, 56}, resize(20, 20, cpu));
        // 1024 x 1024 under 200,704 pixels: beta = 2.2857, floor(448 / 28) = 16 -> 448 x 448
        assertArrayEquals(new int[] {448, 448}, resize(1024, 1024, 200_704));
    }

    @Test
    void refusesTinyAndExtremeImagesLikeTheReference() {
        assertThrows(IllegalArgumentException.class, () -> resize(9, 100, QwenImageProcessor.CPU_MAX_PIXELS));
        assertThrows(IllegalArgumentException.class, () -> resize(10, 2100, QwenImageProcessor.CPU_MAX_PIXELS));
    }

    /** Row-major permutation of an n-dimensional array, as torch's permute + reshape. */
    private static float[] permute(float[] data, int[] dims, int[] order) {
        int n = dims.length;
        int[] strides = new int[n];
        strides[n - 1] = 1;
        for (int i = n - 2; i >= 0; i--) {
            strides[i] = strides[i + 1] * dims[i + 1];
        }
        int[] outDims = new int[n];
        for (int i = 0; i < n; i++) {
            outDims[i] = dims[order[i]];
        }
        float[] out = new float[data.length];
        int[] idx = new int[n];
        for (int o = 0; o < out.length; o++) {
            int src = 0;
            for (int i = 0; i < n; i++) {
                src += idx[i] * strides[order[i]];
            }
            out[o] = data[src];
            for (int i = n - 1; i >= 0; i--) {
                if (++idx[i] < outDims[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return out;
    }

    @Test
    void patchesFollowTheReferencesReshapeAndPermute() {
        int h = 56;
        int w = 84;
        SplittableRandom r = new SplittableRandom(3);
        byte[] rgb = new byte[3 * h * w];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) r.nextInt(256);
        }
        QwenImageProcessor proc = QwenImageProcessor.defaults();
        QwenPixels px = proc.preprocess(new RgbImage(w, h, rgb));
        assertEquals(4, px.gridH());
        assertEquals(6, px.gridW());
        assertEquals(6, px.tokens(2));
        // the normalised image, CHW, repeated as two frames: [2, 3, h, w]
        float[] frames = new float[2 * 3 * h * w];
        for (int t = 0; t < 2; t++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float v = (float) ((rgb[3 * (y * w + x) + c] & 0xFF) * ImagePreprocessor.DEFAULT_RESCALE);
                        frames[((t * 3 + c) * h + y) * w + x] =
                                (v - (float) ImagePreprocessor.CLIP_MEAN[c]) / (float) ImagePreprocessor.CLIP_STD[c];
                    }
                }
            }
        }
        // reshape (1, 2, 3, h/28, 2, 14, w/28, 2, 14), permute (0, 3, 6, 4, 7, 2, 1, 5, 8)
        float[] expected =
                permute(frames, new int[] {1, 2, 3, 2, 2, 14, 3, 2, 14}, new int[] {0, 3, 6, 4, 7, 2, 1, 5, 8});
        assertArrayEquals(expected, px.patches(), 0f);
    }

    @Test
    void resizesWithPillowBicubicToTheSmartSize() {
        RgbImage img = RgbImage.filled(70, 126, 10, 200, 30);
        for (int y = 0; y < 126; y++) {
            img.set(y % 70, y, 0, 250);
        }
        QwenPixels px = QwenImageProcessor.defaults().preprocess(img);
        assertEquals(112, px.height());
        assertEquals(56, px.width());
        RgbImage resized = Resampler.resize(img, 56, 112, Resampler.Filter.BICUBIC);
        // the first value of the first patch is channel 0 of pixel (0, 0)
        float v = (float) (resized.get(0, 0, 0) * ImagePreprocessor.DEFAULT_RESCALE);
        assertEquals(
                (v - (float) ImagePreprocessor.CLIP_MEAN[0]) / (float) ImagePreprocessor.CLIP_STD[0],
                px.patches()[0],
                0f);
    }

    @Test
    void readsPixelBoundsFromAPreprocessorConfig(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("preprocessor_config.json");
        Files.writeString(
                file,
                "{\"min_pixels\": 3136, \"max_pixels\": 12845056, \"patch_size\": 14,"
                        + " \"temporal_patch_size\": 2, \"merge_size\": 2,"
                        + " \"image_mean\": [0.48145466, 0.4578275, 0.40821073],"
                        + " \"image_std\": [0.26862954, 0.26130258, 0.27577711],"
                        + " \"image_processor_type\": \"Qwen2VLImageProcessor\"}");
        assertEquals(12_845_056, QwenImageProcessor.fromConfig(file, null).maxPixels());
        QwenImageProcessor cpu = QwenImageProcessor.fromConfig(file, QwenImageProcessor.CPU_MAX_PIXELS);
        assertEquals(QwenImageProcessor.CPU_MAX_PIXELS, cpu.maxPixels());
        assertEquals(576, cpu.imageTokens(1080, 1920));
        Files.writeString(file, "{\"size\": {\"shortest_edge\": 1000, \"longest_edge\": 200704}}");
        QwenImageProcessor sized = QwenImageProcessor.fromConfig(file, null);
        assertEquals(1000, sized.minPixels());
        assertEquals(200_704, sized.maxPixels());
        Files.writeString(file, "{not json");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> QwenImageProcessor.fromConfig(file, null));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
