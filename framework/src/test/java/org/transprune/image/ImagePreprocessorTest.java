package org.transprune.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePreprocessorTest {

    /** LLaVA's own constant for CLIP's mean colour (conversation.py's expand2square default). */
    static final int[] LLAVA_BACKGROUND = {122, 116, 104};

    static final double[] MEAN = {0.48145466, 0.4578275, 0.40821073};
    static final double[] STD = {0.26862954, 0.26130258, 0.27577711};

    @TempDir
    Path dir;

    /** Pixel value encoding its position, to check where each pixel lands. */
    static RgbImage numbered(int w, int h) {
        RgbImage img = RgbImage.filled(w, h, 0, 0, 0);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.set(x, y, 0, x);
                img.set(x, y, 1, y);
                img.set(x, y, 2, 200);
            }
        }
        return img;
    }

    @Test
    void constantColourIsRescaledAndNormalised() {
        int[] colour = {200, 100, 50};
        PixelValues p = ImagePreprocessor.clip(6).preprocess(RgbImage.filled(6, 6, colour[0], colour[1], colour[2]));
        assertEquals(6, p.height());
        assertEquals(6, p.width());
        for (int c = 0; c < 3; c++) {
            double expected = (colour[c] / 255.0 - MEAN[c]) / STD[c];
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 6; x++) {
                    assertEquals(expected, p.get(c, y, x), 1e-5, "channel " + c);
                }
            }
        }
        // spot values: white is about 1.93 in the red channel, black about -1.79
        assertEquals(
                (1 - MEAN[0]) / STD[0],
                ImagePreprocessor.clip(2)
                        .preprocess(RgbImage.filled(2, 2, 255, 255, 255))
                        .get(0, 0, 0),
                1e-5);
    }

    @Test
    void padColourIsLlavaBackground() {
        assertArrayEquals(LLAVA_BACKGROUND, ImagePreprocessor.clip(336).padColour());
    }

    @Test
    void wideImageIsCentredVertically() {
        RgbImage img = numbered(5, 2);
        RgbImage sq = ImagePreprocessor.expandToSquare(img, LLAVA_BACKGROUND);
        assertEquals(5, sq.width());
        assertEquals(5, sq.height());
        // (5 - 2) // 2 = 1: rows 1 and 2 hold the image, rows 0, 3, 4 the background
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                if (y == 1 || y == 2) {
                    assertEquals(x, sq.get(x, y, 0));
                    assertEquals(y - 1, sq.get(x, y, 1));
                    assertEquals(200, sq.get(x, y, 2));
                } else {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(LLAVA_BACKGROUND[c], sq.get(x, y, c), "(" + x + "," + y + ")");
                    }
                }
            }
        }
    }

    @Test
    void tallImageIsCentredHorizontally() {
        RgbImage sq = ImagePreprocessor.expandToSquare(numbered(2, 6), LLAVA_BACKGROUND);
        assertEquals(6, sq.width());
        // (6 - 2) // 2 = 2: columns 2 and 3
        for (int y = 0; y < 6; y++) {
            assertEquals(LLAVA_BACKGROUND[0], sq.get(1, y, 0));
            assertEquals(0, sq.get(2, y, 0));
            assertEquals(1, sq.get(3, y, 0));
            assertEquals(y, sq.get(3, y, 1));
            assertEquals(LLAVA_BACKGROUND[2], sq.get(4, y, 2));
        }
    }

    @Test
    void centreCropOffsets() {
        RgbImage crop = ImagePreprocessor.centerCrop(numbered(8, 5), 3, 3);
        // top = (5 - 3) // 2 = 1, left = (8 - 3) // 2 = 2
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                assertEquals(x + 2, crop.get(x, y, 0));
                assertEquals(y + 1, crop.get(x, y, 1));
            }
        }
    }

    @Test
    void centreCropOfASmallerImagePadsWithZeros() {
        RgbImage crop = ImagePreprocessor.centerCrop(RgbImage.filled(1, 2, 9, 9, 9), 4, 4);
        assertEquals(4, crop.width());
        assertEquals(4, crop.height());
        // HF: image at ceil((4 - 1) / 2) = 2 across, ceil((4 - 2) / 2) = 1 down
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int expected = x == 2 && (y == 1 || y == 2) ? 9 : 0;
                assertEquals(expected, crop.get(x, y, 0), "(" + x + "," + y + ")");
            }
        }
    }

    @Test
    void shortestEdgeResizeWithoutPadding() {
        ImagePreprocessor p = ImagePreprocessor.clip(4).withPadToSquare(false);
        // 10x5 -> shortest edge 4, long edge int(4 * 10 / 5) = 8; 7x3 -> int(4 * 7 / 3) = 9
        assertArrayEquals(new int[] {4, 8}, p.resizeTarget(5, 10));
        assertArrayEquals(new int[] {9, 4}, p.resizeTarget(7, 3));
        PixelValues v = p.preprocess(RgbImage.filled(10, 5, 1, 2, 3));
        assertEquals(4, v.height());
        assertEquals(4, v.width());
    }

    @Test
    void paddedNonSquareImageOfTheMeanColourIsUniform() {
        // pad + resize + crop of an image already in the background colour: every value equals the
        // normalised background
        PixelValues v = ImagePreprocessor.clip(4)
                .preprocess(RgbImage.filled(9, 3, LLAVA_BACKGROUND[0], LLAVA_BACKGROUND[1], LLAVA_BACKGROUND[2]));
        assertEquals(3 * 4 * 4, v.data().length);
        for (int c = 0; c < 3; c++) {
            double expected = (LLAVA_BACKGROUND[c] / 255.0 - MEAN[c]) / STD[c];
            assertEquals(expected, v.get(c, 3, 0), 1e-5);
            assertEquals(expected, v.get(c, 0, 3), 1e-5);
        }
    }

    @Test
    void configFileOldAndNewStyle() throws IOException {
        Files.writeString(
                dir.resolve("preprocessor_config.json"),
                "{\"crop_size\": 4, \"size\": 4, \"resample\": 2,"
                        + " \"do_normalize\": false, \"image_mean\": [0.5, 0.5, 0.5]}");
        ImagePreprocessor old = ImagePreprocessor.fromConfig(dir);
        assertEquals(Resampler.Filter.BILINEAR, old.filter());
        assertArrayEquals(new int[] {127, 127, 127}, old.padColour());
        PixelValues v = old.preprocess(RgbImage.filled(4, 4, 51, 0, 255));
        // rescaled only: 51 / 255 = 0.2
        assertEquals(0.2f, v.get(0, 1, 1), 1e-7);
        assertEquals(1.0f, v.get(2, 1, 1), 1e-7);

        Path file = PreprocessorConfigWriter.write(dir.resolve("new"), 6);
        ImagePreprocessor written = ImagePreprocessor.fromConfig(file);
        assertEquals(Resampler.Filter.BICUBIC, written.filter());
        assertEquals(6, written.cropHeight());
        assertArrayEquals(LLAVA_BACKGROUND, written.padColour());
        PixelValues w = written.preprocess(RgbImage.filled(12, 20, 0, 0, 0));
        assertEquals(6, w.height());
        assertEquals(6, w.width());
    }

    @Test
    void missingOrBadConfigIsNamed() throws IOException {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ImagePreprocessor.fromConfig(dir.resolve("nope.json")));
        assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"resample\": 0}");
        e = assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.fromConfig(bad));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("resample"), e.getMessage());
    }

    @Test
    void pixelValuesBecomeABatchOfOne() {
        PixelValues v = ImagePreprocessor.clip(3).preprocess(RgbImage.filled(3, 3, 10, 20, 30));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = v.toNDArray(m);
            assertEquals(v.shape(), a.getShape());
            assertEquals(4, a.getShape().dimension());
            assertEquals(v.get(1, 2, 0), a.getFloat(0, 1, 2, 0), 0f);
        }
    }

    @Test
    void malformedConfigIsReportedWithoutParserInternals() throws IOException {
        Path file = Files.writeString(dir.resolve("preprocessor_config.json"), "{\"crop_size\": ");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.fromConfig(file));
        assertTrue(e.getMessage().startsWith("cannot read " + file + ": "), e.getMessage());
        assertTrue(!e.getMessage().contains("Source:") && !e.getMessage().contains("REDACTED"), e.getMessage());
    }
}
