package org.transprune.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ResamplerTest {

    /** Keys' cubic with a = -0.5, written from the textbook formula. */
    static double keys(double x) {
        double t = Math.abs(x);
        if (t < 1) {
            return 1.5 * t * t * t - 2.5 * t * t + 1;
        }
        if (t < 2) {
            return -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2;
        }
        return 0;
    }

    /**
     * A plain floating-point antialiased resize along one axis: output sample i sits at input
     * coordinate (i + 0.5) * scale - 0.5; when shrinking the kernel is widened by the scale; weights
     * over the pixels inside the image are renormalised; the result is rounded to 0..255.
     */
    static double[][] resizeRows(double[][] in, int outWidth) {
        int inWidth = in[0].length;
        double scale = (double) inWidth / outWidth;
        double stretch = Math.max(1, scale);
        double[][] out = new double[in.length][outWidth];
        for (int r = 0; r < in.length; r++) {
            for (int i = 0; i < outWidth; i++) {
                double centre = (i + 0.5) * scale - 0.5;
                double sum = 0;
                double wsum = 0;
                for (int j = 0; j < inWidth; j++) {
                    double w = keys((j - centre) / stretch);
                    sum += w * in[r][j];
                    wsum += w;
                }
                out[r][i] = Math.max(0, Math.min(255, Math.round(sum / wsum)));
            }
        }
        return out;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static RgbImage grey(double[][] rows) {
        RgbImage img = RgbImage.filled(rows[0].length, rows.length, 0, 0, 0);
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[0].length; x++) {
                for (int c = 0; c < 3; c++) {
                    img.set(x, y, c, (int) rows[y][x]);
                }
            }
        }
        return img;
    }

    @Test
    void constantImageStaysConstant() {
        RgbImage img = RgbImage.filled(13, 7, 201, 3, 77);
        for (int[] size : new int[][] {{5, 3}, {40, 21}, {13, 30}, {1, 1}}) {
            RgbImage out = Resampler.resize(img, size[0], size[1], Resampler.Filter.BICUBIC);
            assertEquals(size[0], out.width());
            assertEquals(size[1], out.height());
            for (int y = 0; y < out.height(); y++) {
                for (int x = 0; x < out.width(); x++) {
                    assertEquals(201, out.get(x, y, 0));
                    assertEquals(3, out.get(x, y, 1));
                    assertEquals(77, out.get(x, y, 2));
                }
            }
        }
    }

    @Test
    void upsampledRampStaysLinearInside() {
        // p(x) = 8x; doubling puts output i at input (i + 0.5) / 2 - 0.5, i.e. value 4i - 2.
        double[][] ramp = new double[2][16];
        for (int x = 0; x < 16; x++) {
            ramp[0][x] = 8 * x;
            ramp[1][x] = 8 * x;
        }
        RgbImage out = Resampler.resize(grey(ramp), 32, 2, Resampler.Filter.BICUBIC);
        // the kernel (support 2) stays inside the image for 5 <= i <= 26
        for (int i = 5; i <= 26; i++) {
            assertEquals(4 * i - 2, out.get(i, 1, 1), "pixel " + i);
        }
    }

    @Test
    void downsampledRampUsesTheWidenedKernelCentredOnTheOutputPixel() {
        // halving: output i covers input [2i, 2i + 2), centre 2i + 0.5 -> value 16i + 4 when the
        // widened kernel (support 4) lies inside the image
        double[][] ramp = new double[1][32];
        for (int x = 0; x < 32; x++) {
            ramp[0][x] = 8 * x;
        }
        RgbImage out = Resampler.resize(grey(ramp), 16, 1, Resampler.Filter.BICUBIC);
        for (int i = 2; i <= 13; i++) {
            assertEquals(16 * i + 4, out.get(i, 0, 0), "pixel " + i);
        }
    }

    @Test
    void matchesAStraightforwardFloatingPointResizeWithinOneLevel() {
        Random random = new Random(7);
        double[][] img = new double[9][11];
        for (double[] row : img) {
            for (int x = 0; x < row.length; x++) {
                row[x] = random.nextInt(256);
            }
        }
        for (int[] size : new int[][] {{5, 4}, {23, 17}, {11, 3}, {4, 9}}) {
            // horizontal pass first, then vertical, each rounded, as Pillow does
            double[][] expected = transpose(resizeRows(transpose(resizeRows(img, size[0])), size[1]));
            RgbImage out = Resampler.resize(grey(img), size[0], size[1], Resampler.Filter.BICUBIC);
            int worst = 0;
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    worst = Math.max(worst, (int) Math.abs(out.get(x, y, 0) - expected[y][x]));
                }
            }
            assertTrue(worst <= 1, "size " + size[0] + "x" + size[1] + " differs by " + worst);
        }
    }

    @Test
    void pilFilterCodes() {
        assertEquals(Resampler.Filter.BICUBIC, Resampler.Filter.fromPil(3));
        assertEquals(Resampler.Filter.BILINEAR, Resampler.Filter.fromPil(2));
        assertThrows(IllegalArgumentException.class, () -> Resampler.Filter.fromPil(0));
    }
}
