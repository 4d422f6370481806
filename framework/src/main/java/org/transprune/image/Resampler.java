package org.transprune.image;

/**
 * Resizing of 8-bit RGB images the way Pillow's {@code Image.resize} does it (libImaging
 * {@code Resample.c}): a separable convolution, horizontal pass then vertical pass, whose filter is
 * stretched by the scale factor when shrinking (antialiasing), with coefficients in 22-bit fixed
 * point and each pass rounded and clipped to 0..255.
 *
 * <p>This follows Pillow's integer arithmetic step by step, so for 8-bit RGB input the output is
 * meant to be identical to Pillow's (no reducing_gap pre-shrink, which Hugging Face's CLIP
 * processor does not use).
 */
public final class Resampler {

    /** Pillow's resampling filters with their {@code Image.Resampling} codes. */
    public enum Filter {
        LANCZOS(1, 3.0),
        BILINEAR(2, 1.0),
        BICUBIC(3, 2.0),
        BOX(4, 0.5),
        HAMMING(5, 1.0);

        private final int pilCode;
        private final double support;

        Filter(int pilCode, double support) {
            this.pilCode = pilCode;
            this.support = support;
        }

        /** The {@code resample} value of a preprocessor config (3 = bicubic, 2 = bilinear, ...). */
        public static Filter fromPil(int code) {
            for (Filter f : values()) {
                if (f.pilCode == code) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unsupported resample " + code
                    + " (supported: 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming; 0 nearest is not)");
        }

        public int pilCode() {
            return pilCode;
        }

        double weight(double x) {
            switch (this) {
                case BOX:
                    return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR:
                    x = Math.abs(x);
                    return x < 1.0 ? 1.0 - x : 0.0;
                case HAMMING:
                    x = Math.abs(x);
                    if (x == 0.0) {
                        return 1.0;
                    }
                    if (x >= 1.0) {
                        return 0.0;
                    }
                    x = x * Math.PI;
                    return Math.sin(x) / x * (0.54f + 0.46f * Math.cos(x));
                case BICUBIC: {
                    final double a = -0.5; // Pillow's (and Keys') choice; OpenCV uses -0.75
                    x = Math.abs(x);
                    if (x < 1.0) {
                        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    }
                    if (x < 2.0) {
                        return (((x - 5) * x + 8) * x - 4) * a;
                    }
                    return 0.0;
                }
                case LANCZOS:
                    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
                default:
                    throw new AssertionError(this);
            }
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            x = x * Math.PI;
            return Math.sin(x) / x;
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private Resampler() {}

    /** Resizes to {@code width x height} with the filter. */
    public static RgbImage resize(RgbImage in, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive: " + width + "x" + height);
        }
        RgbImage out = in;
        if (width != in.width()) {
            out = horizontal(out, width, coefficients(in.width(), width, filter));
        }
        if (height != in.height()) {
            out = vertical(out, height, coefficients(in.height(), height, filter));
        }
        return out == in ? new RgbImage(in.width(), in.height(), in.rgb().clone()) : out;
    }

    /** Per output pixel: first input index, count, and fixed-point weights ({@code ksize} slots each). */
    record Coefficients(int ksize, int[] bounds, int[] weights) {}

    /** Pillow's {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
    static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            // (int) truncates toward zero, as the C cast does
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] =
                        v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, weights);
    }

    private static RgbImage horizontal(RgbImage in, int outWidth, Coefficients c) {
        int h = in.height();
        int inWidth = in.width();
        byte[] src = in.rgb();
        byte[] dst = new byte[3 * outWidth * h];
        for (int y = 0; y < h; y++) {
            int row = 3 * y * inWidth;
            for (int xx = 0; xx < outWidth; xx++) {
                int xmin = c.bounds[2 * xx];
                int n = c.bounds[2 * xx + 1];
                int base = xx * c.ksize;
                for (int ch = 0; ch < 3; ch++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < n; x++) {
                        ss += (src[row + 3 * (x + xmin) + ch] & 0xFF) * c.weights[base + x];
                    }
                    dst[3 * (y * outWidth + xx) + ch] = clip8(ss);
                }
            }
        }
        return new RgbImage(outWidth, h, dst);
    }

    private static RgbImage vertical(RgbImage in, int outHeight, Coefficients c) {
        int w = in.width();
        byte[] src = in.rgb();
        byte[] dst = new byte[3 * w * outHeight];
        for (int yy = 0; yy < outHeight; yy++) {
            int ymin = c.bounds[2 * yy];
            int n = c.bounds[2 * yy + 1];
            int base = yy * c.ksize;
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int y = 0; y < n; y++) {
                        ss += (src[3 * ((y + ymin) * w + x) + ch] & 0xFF) * c.weights[base + y];
                    }
                    dst[3 * (yy * w + x) + ch] = clip8(ss);
                }
            }
        }
        return new RgbImage(w, outHeight, dst);
    }

    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS; // arithmetic shift, as in C for a negative sum
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
